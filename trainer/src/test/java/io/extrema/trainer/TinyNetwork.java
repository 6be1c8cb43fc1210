package io.extrema.trainer;

import java.util.Map;

/**
 * Trainer settings of a network small enough for tests, so a step takes milliseconds on a CPU: one block of width
 * 32, small heads, batch 16. The trainer's tests and, through this module's test jar, the ops tests train it.
 */
public final class TinyNetwork {
    private TinyNetwork() {}

    public static Map<String, String> settings() {
        return Map.of(
                "model.dim",
                "32",
                "model.depth",
                "1",
                "model.heads",
                "2",
                "model.caDepth",
                "1",
                "model.projectorHidden",
                "64",
                "model.projectorOut",
                "32",
                "model.predictorHidden",
                "64",
                "model.batchSize",
                "16",
                "model.warmupSteps",
                "5",
                "device",
                "cpu");
    }
}
