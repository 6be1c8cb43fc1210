package io.extrema.serving.monitor;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.MonitorRecord;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.Suppressed.BufferConfig;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The embedding statistics topology: embeddings and serving dead letters, per source and window, to the monitor
 * topic; rules over those windows and over the trainer's metrics to the alerts topic.
 */
public final class MonitorTopology {

    public static Topology build(MonitorConfig config, MonitorSerdes serdes, MonitorMeters meters) {
        StreamsBuilder builder = new StreamsBuilder();
        AlertRules rules = new AlertRules(config.thresholds());
        DeadLetterSource deadLetterSource = new DeadLetterSource(serdes.images().deserializer());
        String alertsTopic = config.getString(MonitorConfig.ALERTS_TOPIC);
        Produced<String, AlertRecord> toAlerts =
                Produced.with(Serdes.String(), serdes.alerts()).withName("alerts-out");
        // Per-source drift references and per-model trainer state, both changelogged.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DriftProcessor.STORE), Serdes.String(), DriftReference.SERDE));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TrainerWatch.STORE), Serdes.String(), TrainerState.SERDE));

        // Embeddings become compact observations keyed by source: a source's window must live in one task.
        KStream<String, Observation> embeddings = builder.stream(
                        config.getString(MonitorConfig.EMBEDDINGS_TOPIC),
                        Consumed.with(Serdes.String(), serdes.embeddings()).withName("embeddings-in"))
                .filter((id, e) -> e != null && !e.getInstance().isEmpty(), Named.as("with-vector"))
                .map((id, e) -> KeyValue.pair(sourceOf(e.getSource()), observation(e)), Named.as("to-observation"));

        // Dead letters count against the source they came from, for the dead-letter share.
        KStream<String, Observation> deadLetters = builder.stream(
                        config.getString(MonitorConfig.DLQ_TOPIC),
                        Consumed.with(Serdes.ByteArray(), serdes.deadLetters()).withName("dead-letters-in"))
                .filter((k, d) -> d != null, Named.as("present-dead-letters"))
                .map(
                        (k, d) -> {
                            String source = deadLetterSource.of(d);
                            return KeyValue.pair(source, Observation.deadLetter(source));
                        },
                        Named.as("dead-letter-observation"));

        // Sums per source and window; only sums are stored, so a window costs 2*D doubles whatever its count.
        KStream<String, MonitorRecord> windows = embeddings
                .merge(deadLetters, Named.as("observations"))
                .peek((source, o) -> meters.observed(o), Named.as("count-observations"))
                .groupByKey(Grouped.with("by-source", Serdes.String(), Observation.SERDE))
                .windowedBy(windows(config))
                .aggregate(
                        WindowStats::new,
                        (source, o, stats) -> stats.add(o),
                        Named.as("window-sums"),
                        Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as("monitor-window-sums")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(WindowStats.SERDE))
                // One record per window, when it closes: a half-filled window would look like drift.
                .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName("until-window-closes"))
                .toStream(Named.as("closed-windows"))
                // Drift against the previous and baseline windows of the same model version.
                .process(
                        () -> new DriftProcessor(config.getInt(MonitorConfig.BASELINE_WINDOWS), meters),
                        Named.as("drift"),
                        DriftProcessor.STORE);
        windows.to(
                config.getString(MonitorConfig.MONITOR_TOPIC),
                Produced.with(Serdes.String(), serdes.monitor()).withName("monitor-out"));

        // Window rules: collapse, drift, dead-letter rate.
        windows.flatMap((source, w) -> alertsFor(rules.forWindow(w), meters), Named.as("window-rules"))
                .to(alertsTopic, toAlerts);

        // Trainer rules: loss not finite, lag growing, model stale.
        builder.stream(
                        config.getString(MonitorConfig.METRICS_TOPIC),
                        Consumed.with(Serdes.String(), serdes.metrics()).withName("metrics-in"))
                .process(
                        () -> new TrainerWatch(
                                config.thresholds(),
                                Duration.ofMillis(config.getLong(MonitorConfig.CHECK_INTERVAL_MS)),
                                meters),
                        Named.as("trainer-rules"),
                        TrainerWatch.STORE)
                .to(alertsTopic, toAlerts.withName("trainer-alerts-out"));

        return builder.build();
    }

    static TimeWindows windows(MonitorConfig config) {
        return TimeWindows.ofSizeAndGrace(config.windowSize(), config.windowGrace())
                .advanceBy(config.windowAdvance());
    }

    static String sourceOf(String source) {
        return source == null || source.isEmpty() ? DeadLetterSource.UNKNOWN : source;
    }

    private static Observation observation(EmbeddingRecord e) {
        List<Float> values = e.getInstance();
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return new Observation(sourceOf(e.getSource()), e.getModelName(), e.getModelVersion(), vector);
    }

    private static List<KeyValue<String, AlertRecord>> alertsFor(List<AlertRecord> alerts, MonitorMeters meters) {
        return alerts.stream()
                .map(a -> {
                    meters.alert(a);
                    return KeyValue.pair(a.getRule() + "/" + a.getSubject(), a);
                })
                .toList();
    }

    private MonitorTopology() {}
}
