package io.extrema.trainer.replay;

import java.util.Arrays;

/** Which image leaves a full replay buffer, and whether images are reused at all. */
public enum ReplayPolicy {
    /** Vitter's reservoir: the buffer is a uniform sample of everything that arrived; drawn images stay. */
    RESERVOIR("reservoir"),
    /**
     * Evicts the image whose target embedding is most similar to another buffered image's (the minimum-redundancy
     * buffer of Purushwalkam et al., "The Challenges of Continuous Self-Supervised Learning", ECCV 2022).
     */
    MIN_REDUNDANCY("min-redundancy"),
    /** No reuse: images are drawn once, oldest first, and a full buffer holds back the consumer instead of evicting. */
    FRESH("fresh");

    private final String configName;

    ReplayPolicy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static String[] configNames() {
        return Arrays.stream(values()).map(ReplayPolicy::configName).toArray(String[]::new);
    }

    public static ReplayPolicy fromConfigName(String name) {
        for (ReplayPolicy p : values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "unknown replay policy " + name + "; one of " + Arrays.toString(configNames()));
    }
}
