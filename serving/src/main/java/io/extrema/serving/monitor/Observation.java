package io.extrema.serving.monitor;

/**
 * One thing that happened to a source: an embedding ({@code vector} set) or a dead-lettered record ({@code vector}
 * null), keyed by source and summed per pane ({@link WindowPartials}) before the repartition.
 */
public record Observation(String source, String modelName, long modelVersion, float[] vector) {

    public static Observation deadLetter(String source) {
        return new Observation(source, "", -1, null);
    }

    public boolean isDeadLetter() {
        return vector == null;
    }
}
