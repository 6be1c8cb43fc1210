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
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.Suppressed.BufferConfig;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
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
        String alertsTopic = config.getString(MonitorConfig.ALERTS_TOPIC);
        Produced<String, AlertRecord> toAlerts =
                Produced.with(Serdes.String(), serdes.alerts()).withName("alerts-out");
        // Per-model trainer state, changelogged.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TrainerWatch.STORE), Serdes.String(), TrainerState.SERDE));
        // Each source's partial sums of its latest pane, changelogged so that a restart resumes them at the
        // committed offsets; the cache turns a write per observation into one changelog record per commit.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(WindowPartials.STORE),
                        Serdes.String(),
                        WindowPartials.Partial.SERDE)
                .withCachingEnabled());

        // A source's window must live in one task: sums per pane cross the repartition topic, not the embeddings.
        TimeWindows windows = windows(config);
        KTable<Windowed<String>, WindowStats> sums = observations(builder, config, serdes, meters)
                .process(() -> new WindowPartials(windows), Named.as("pane-partials"), WindowPartials.STORE)
                .groupByKey(Grouped.with("partials-by-source", Serdes.String(), WindowStats.SERDE))
                .windowedBy(windows)
                .aggregate(
                        WindowStats::new,
                        (source, partial, stats) -> stats.merge(partial),
                        Named.as("window-sums"),
                        // No record cache: a window gets one update per pane and source, which a cache would
                        // seldom fold, only copy.
                        Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as("monitor-window-sums")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(WindowStats.SERDE)
                                .withCachingDisabled());
        KStream<String, MonitorRecord> closed = closedWindows(builder, sums, config, meters);
        closed.to(
                config.getString(MonitorConfig.MONITOR_TOPIC),
                Produced.with(Serdes.String(), serdes.monitor()).withName("monitor-out"));

        // Window rules: collapse, drift, dead-letter rate.
        closed.flatMap((source, w) -> alertsFor(rules.forWindow(w), meters), Named.as("window-rules"))
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

    /** Embeddings and serving dead letters as observations keyed by source, counted by the meters. */
    static KStream<String, Observation> observations(
            StreamsBuilder builder, MonitorConfig config, MonitorSerdes serdes, MonitorMeters meters) {
        KStream<String, Observation> embeddings = builder.stream(
                        config.getString(MonitorConfig.EMBEDDINGS_TOPIC),
                        Consumed.with(Serdes.String(), serdes.embeddings()).withName("embeddings-in"))
                .filter((id, e) -> e != null && !e.getInstance().isEmpty(), Named.as("with-vector"))
                .map((id, e) -> KeyValue.pair(sourceOf(e.getSource()), observation(e)), Named.as("to-observation"));

        // Dead letters count against the source they came from, for the dead-letter share.
        DeadLetterSource deadLetterSource = new DeadLetterSource(serdes.images().deserializer());
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

        return embeddings
                .merge(deadLetters, Named.as("observations"))
                .peek((source, o) -> meters.observed(o), Named.as("count-observations"));
    }

    /**
     * One {@link MonitorRecord} per window of {@code sums}, when it closes (a half-filled window would look like
     * drift), with its drift against the previous and baseline windows of the same model version.
     */
    static KStream<String, MonitorRecord> closedWindows(
            StreamsBuilder builder,
            KTable<Windowed<String>, WindowStats> sums,
            MonitorConfig config,
            MonitorMeters meters) {
        // Per-source drift references, changelogged.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DriftProcessor.STORE), Serdes.String(), DriftReference.SERDE));
        return sums.suppress(
                        Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName("until-window-closes"))
                .toStream(Named.as("closed-windows"))
                .process(
                        () -> new DriftProcessor(config.getInt(MonitorConfig.BASELINE_WINDOWS), meters),
                        Named.as("drift"),
                        DriftProcessor.STORE);
    }

    static TimeWindows windows(MonitorConfig config) {
        return TimeWindows.ofSizeAndGrace(config.windowSize(), config.windowGrace())
                .advanceBy(config.windowAdvance());
    }

    static String sourceOf(String source) {
        return source == null || source.isEmpty() ? DeadLetterSource.UNKNOWN : source;
    }

    static Observation observation(EmbeddingRecord e) {
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
