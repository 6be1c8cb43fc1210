package io.extrema.serving.monitor;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.serde.UnreadableRecords;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.slf4j.LoggerFactory;

/**
 * The monitor's own meters for its Prometheus endpoint: what it consumed, the latest window of each source and
 * the alerts it raised; plus Kafka Streams' metrics under their group names.
 */
public final class MonitorMeters {
    private final ConcurrentMap<String, LongAdder> embeddings = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> deadLetters = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> windows = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, MonitorRecord> latest = new ConcurrentHashMap<>();
    private final ConcurrentMap<Map<String, String>, LongAdder> alerts = new ConcurrentHashMap<>();
    private final UnreadableRecords unreadable =
            new UnreadableRecords(LoggerFactory.getLogger(MonitorMeters.class), "the monitor");

    void observed(Observation o) {
        (o.isDeadLetter() ? deadLetters : embeddings)
                .computeIfAbsent(o.source(), s -> new LongAdder())
                .increment();
    }

    /** A record the monitor cannot decode (it goes to the monitor's dead-letter topic). */
    void unreadable(String topic, int partition, long offset, Exception error) {
        unreadable.skipped(topic, partition, offset, error);
    }

    /** Records dead-lettered because they could not be decoded, so far (the status line shows it). */
    public long unreadableRecords() {
        return unreadable.total();
    }

    /** Embeddings read so far, all sources. */
    public long embeddingsObserved() {
        return embeddings.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Windows closed and published so far, all sources. */
    public long windowsPublished() {
        return windows.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Alerts raised so far, all rules. */
    public long alertsRaised() {
        return alerts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    void window(MonitorRecord window) {
        windows.computeIfAbsent(window.getSource(), s -> new LongAdder()).increment();
        latest.put(window.getSource(), window);
    }

    void alert(AlertRecord alert) {
        alerts.computeIfAbsent(
                        Map.of(
                                "rule",
                                alert.getRule(),
                                "severity",
                                alert.getSeverity().name()),
                        k -> new LongAdder())
                .increment();
    }

    /** The Prometheus page: our meters, then the given Kafka Streams metrics. */
    public String scrape(Map<MetricName, ? extends Metric> streamsMetrics) {
        PrometheusText out = new PrometheusText();
        embeddings.forEach((source, n) -> out.counter(
                "extrema_monitor_embeddings_total",
                "Embeddings read by the monitor.",
                Map.of("source", source),
                n.sum()));
        deadLetters.forEach((source, n) -> out.counter(
                "extrema_monitor_dead_letters_total",
                "Serving dead letters read by the monitor.",
                Map.of("source", source),
                n.sum()));
        out.counter(
                "extrema_monitor_records_unreadable_total",
                "Records the monitor could not decode, sent to its dead-letter topic.",
                Map.of(),
                unreadable.total());
        windows.forEach((source, n) -> out.counter(
                "extrema_monitor_windows_total",
                "Windows closed and published to the monitor topic.",
                Map.of("source", source),
                n.sum()));
        alerts.forEach((labels, n) -> out.counter("extrema_monitor_alerts_total", "Alerts raised.", labels, n.sum()));
        latest.forEach((source, w) -> {
            Map<String, String> labels = Map.of("source", source, "model", w.getModelName());
            out.gauge(
                    "extrema_monitor_window_embeddings",
                    "Embeddings in the latest closed window.",
                    labels,
                    w.getCount());
            out.gauge(
                    "extrema_monitor_mean_norm",
                    "Mean raw embedding norm in the latest window.",
                    labels,
                    w.getMeanNorm());
            out.gauge(
                    "extrema_monitor_spread",
                    "Mean per-dimension std of normalised embeddings (collapse when near 0).",
                    labels,
                    w.getSpread());
            out.gauge(
                    "extrema_monitor_spread_ratio",
                    "spread * sqrt(dimension): 1 isotropic, about 0.1 for a trained network, near 0 collapsed.",
                    labels,
                    w.getDimension() == 0 ? 0 : w.getSpread() * Math.sqrt(w.getDimension()));
            out.gauge(
                    "extrema_monitor_drift_previous",
                    "Centroid cosine distance to the previous window (same model version).",
                    labels,
                    w.getDriftPrevious() == null ? Double.NaN : w.getDriftPrevious());
            out.gauge(
                    "extrema_monitor_drift_baseline",
                    "Centroid cosine distance to the baseline (same model version).",
                    labels,
                    w.getDriftBaseline() == null ? Double.NaN : w.getDriftBaseline());
            out.gauge(
                    "extrema_monitor_dead_letter_share",
                    "Share of the window's records that were dead-lettered.",
                    labels,
                    w.getDeadLetterShare());
            out.gauge(
                    "extrema_monitor_model_version",
                    "Newest model version in the latest window.",
                    labels,
                    w.getModelVersion());
            out.gauge(
                    "extrema_monitor_window_end_seconds",
                    "End of the latest closed window, Unix seconds.",
                    labels,
                    w.getWindowEnd().toEpochMilli() / 1000.0);
        });
        streamsMetrics.forEach((name, metric) -> {
            if (name.group().startsWith("stream-") && metric.metricValue() instanceof Number value) {
                // Kafka's own metrics keep their group name, as every component exports them (docs/monitoring.md).
                out.gauge(
                        PrometheusText.sanitise(name.group() + "_" + name.name()),
                        name.description().isEmpty() ? name.name() : name.description(),
                        sanitisedTags(name.tags()),
                        value.doubleValue());
            }
        });
        return out.toString();
    }

    private static Map<String, String> sanitisedTags(Map<String, String> tags) {
        Map<String, String> out = new java.util.TreeMap<>();
        tags.forEach((k, v) -> out.put(PrometheusText.sanitise(k), v));
        return out;
    }
}
