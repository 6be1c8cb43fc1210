package io.extrema.schemas.models;

import java.util.Map;

/**
 * One published model version: the weights (what serving needs) and what describes them.
 *
 * @param modelName lineage name (one trainer run)
 * @param version   monotonic within the lineage
 * @param step      training step at which the weights were taken
 * @param format    weights format identifier, so a reader knows how to load {@code weights}
 * @param config    model configuration needed to rebuild the network
 * @param metrics   training figures at this version
 * @param weights   the serialised weights
 * @param createdAt epoch millis
 */
public record ModelVersion(
        String modelName,
        long version,
        long step,
        String format,
        Map<String, String> config,
        Map<String, Double> metrics,
        byte[] weights,
        long createdAt) {

    public ModelVersion {
        config = Map.copyOf(config);
        metrics = Map.copyOf(metrics);
    }
}
