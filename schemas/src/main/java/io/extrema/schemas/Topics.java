package io.extrema.schemas;

import java.util.List;
import java.util.Map;

/**
 * The project's topics: default names and the configuration each needs. Every component takes its topic names as
 * settings; these are the defaults, and the local stack creates exactly these.
 */
public final class Topics {
    public static final String IMAGES = "extrema.images";
    public static final String EMBEDDINGS = "extrema.embeddings";
    /** Compacted, one partition: model versions are chunks then a manifest, and their order must be kept. */
    public static final String MODELS = "extrema.models";

    public static final String METRICS = "extrema.metrics";
    public static final String MONITOR = "extrema.monitor";
    public static final String ALERTS = "extrema.alerts";
    public static final String DLQ_INGEST = "extrema.dlq.ingest";
    public static final String DLQ_TRAINER = "extrema.dlq.trainer";
    public static final String DLQ_SERVING = "extrema.dlq.serving";
    public static final String DLQ_MONITOR = "extrema.dlq.monitor";

    /** A topic to create: name, partition count and topic-level configs. */
    public record Spec(String name, int partitions, Map<String, String> configs) {}

    private static final Map<String, String> WEEK = Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000));

    /** Every topic with the configuration the local stack gives it. */
    public static List<Spec> all() {
        return List.of(
                // Partitions are the unit of serving parallelism; 4 lets up to 4 serving instances share the work.
                new Spec(
                        IMAGES,
                        4,
                        Map.of(
                                "retention.ms",
                                String.valueOf(3L * 24 * 3600 * 1000),
                                "max.message.bytes",
                                String.valueOf(8 * 1024 * 1024))),
                new Spec(EMBEDDINGS, 4, WEEK),
                // Compaction keeps every chunk of every live version (distinct keys); 1 MiB chunks fit default limits.
                new Spec(
                        MODELS,
                        1,
                        Map.of("cleanup.policy", "compact", "max.message.bytes", String.valueOf(2 * 1024 * 1024))),
                new Spec(METRICS, 1, WEEK),
                new Spec(MONITOR, 1, WEEK),
                new Spec(ALERTS, 1, WEEK),
                new Spec(DLQ_INGEST, 1, WEEK),
                new Spec(DLQ_TRAINER, 1, WEEK),
                new Spec(DLQ_SERVING, 1, WEEK),
                new Spec(DLQ_MONITOR, 1, WEEK));
    }

    private Topics() {}
}
