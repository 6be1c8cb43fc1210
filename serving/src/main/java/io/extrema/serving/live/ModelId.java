package io.extrema.serving.live;

/**
 * Which model made an embedding: lineage, version (0 for a freshly initialised network) and training step.
 */
public record ModelId(String name, long version, long step) {
    public static final long FRESH_VERSION = 0;

    /** True when {@code next}, seen after this one on the models topic, should replace it. */
    boolean supersededBy(ModelId next) {
        // A new lineage (a new trainer run) replaces the old one; within a lineage only a higher version does.
        return !name.equals(next.name) || next.version > version;
    }

    @Override
    public String toString() {
        return name + " v" + version + " (step " + step + ")";
    }
}
