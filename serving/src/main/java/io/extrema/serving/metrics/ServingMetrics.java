package io.extrema.serving.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Percentile;
import org.apache.kafka.common.metrics.stats.Percentiles;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.metrics.stats.WindowedCount;

/**
 * The embedding service's own figures, kept in a Kafka {@link Metrics} registry so they are windowed, named and
 * exported exactly like Kafka Streams' own (group {@value #GROUP}). One instance per service, shared by the
 * processors, the exception handlers and the model follower; thread-safe.
 */
public final class ServingMetrics implements AutoCloseable {
    public static final String GROUP = "extrema-serving";

    private final Metrics metrics = new Metrics();
    private final Sensor embeddings;
    private final Sensor batches;
    private final Sensor inference;
    private final Sensor refusedVersions;
    private final Sensor loadedVersions;
    private final Sensor unreadableModelRecords;
    private final AtomicLong modelVersion = new AtomicLong(-1);
    private final Map<String, Sensor> deadLetters = new ConcurrentHashMap<>();

    public ServingMetrics() {
        embeddings = metrics.sensor("embeddings");
        embeddings.add(name("embeddings-rate", "Embeddings produced per second."), new Rate());
        embeddings.add(name("embeddings-total", "Embeddings produced since start."), new CumulativeSum());

        batches = metrics.sensor("batch-size");
        batches.add(name("batch-size-avg", "Images per inference batch, average."), new Avg());
        batches.add(name("batch-size-max", "Images per inference batch, largest."), new Max());
        batches.add(name("batches-total", "Inference batches run since start."), new CumulativeCount());

        inference = metrics.sensor("inference-latency");
        inference.add(name("inference-latency-avg-ms", "Milliseconds per inference batch, average."), new Avg());
        inference.add(name("inference-latency-max-ms", "Milliseconds per inference batch, largest."), new Max());
        inference.add(
                name("inference-time-ms-total", "Milliseconds spent in inference since start, all threads."),
                new CumulativeSum());
        inference.add(new Percentiles(
                4 * 1024,
                10_000,
                Percentiles.BucketSizing.LINEAR,
                new Percentile(name("inference-latency-p50-ms", "Median milliseconds per inference batch."), 50),
                new Percentile(name("inference-latency-p99-ms", "99th percentile ms per inference batch."), 99)));

        refusedVersions = metrics.sensor("refused-versions");
        refusedVersions.add(
                name(
                        "refused-model-versions-total",
                        "Model versions refused (checksum, missing chunks, or failed to load)."),
                new CumulativeCount());
        loadedVersions = metrics.sensor("loaded-versions");
        loadedVersions.add(
                name("loaded-model-versions-total", "Model versions loaded and swapped in."), new CumulativeCount());

        unreadableModelRecords = metrics.sensor("unreadable-model-records");
        unreadableModelRecords.add(
                name(
                        "unreadable-model-records-total",
                        "Models-topic records skipped because they cannot be read (e.g. a schema id the registry lost)."),
                new CumulativeCount());

        metrics.addMetric(name("model-version", "Model version embedding now; 0 fresh, -1 none yet."), (Gauge<Long>)
                (config, now) -> modelVersion.get());
    }

    private MetricName name(String name, String doc) {
        return metrics.metricName(name, GROUP, doc);
    }

    public void embedded(int batchSize, double inferenceMillis) {
        embeddings.record(batchSize);
        batches.record(batchSize);
        inference.record(inferenceMillis);
    }

    /** A record routed to the dead-letter topic, counted per cause ({@code deserialization}, {@code processing}). */
    public void deadLettered(String cause) {
        deadLetters
                .computeIfAbsent(cause, c -> {
                    Sensor s = metrics.sensor("dead-letters-" + c);
                    Map<String, String> tags = Map.of("cause", c);
                    s.add(
                            metrics.metricName(
                                    "dead-letters-total", GROUP, "Records sent to the dead-letter topic.", tags),
                            new CumulativeCount());
                    s.add(
                            metrics.metricName("dead-letters-rate", GROUP, "Records dead-lettered per second.", tags),
                            new Rate(new WindowedCount()));
                    return s;
                })
                .record();
    }

    public void versionRefused() {
        refusedVersions.record();
    }

    public void modelRecordUnreadable() {
        unreadableModelRecords.record();
    }

    public void versionInUse(long version) {
        modelVersion.set(version);
        loadedVersions.record();
    }

    /** Records sent to the dead-letter topic since start, all causes. */
    public long deadLetters() {
        return deadLetters.keySet().stream()
                .mapToLong(cause -> (long) value("dead-letters-total", Map.of("cause", cause)))
                .sum();
    }

    public double value(String metricName) {
        return ((Number) metrics.metric(metrics.metricName(metricName, GROUP)).metricValue()).doubleValue();
    }

    public double value(String metricName, Map<String, String> tags) {
        KafkaMetric m = metrics.metric(metrics.metricName(metricName, GROUP, tags));
        return m == null ? 0 : ((Number) m.metricValue()).doubleValue();
    }

    public Map<MetricName, KafkaMetric> all() {
        return metrics.metrics();
    }

    @Override
    public void close() {
        metrics.close();
    }
}
