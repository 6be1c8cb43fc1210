package io.extrema.trainer.metrics;

import io.extrema.model.StepResult;
import java.util.HashMap;
import java.util.Map;

/** What this lineage has trained so far: images, the last step's result and the latest probe accuracy. */
public final class TrainingProgress {
    private final long imagesAtStart;
    private long imagesTrained;
    private StepResult last;
    private double probeAccuracy = Double.NaN;

    /** @param imagesTrained images the checkpoint this run started from had trained */
    public TrainingProgress(long imagesTrained) {
        this.imagesAtStart = imagesTrained;
        this.imagesTrained = imagesTrained;
    }

    /** A step on {@code images} images, applied or skipped: either way they are trained (a retry would repeat it). */
    public void stepped(StepResult result, int images) {
        last = result;
        imagesTrained += images;
    }

    public void probed(double accuracy) {
        probeAccuracy = accuracy;
    }

    public long imagesTrained() {
        return imagesTrained;
    }

    /** Images trained since this run started. */
    public long imagesTrainedThisRun() {
        return imagesTrained - imagesAtStart;
    }

    /** The last step's result; null before the first step. */
    public StepResult last() {
        return last;
    }

    /** The latest probe accuracy; NaN before the first probe or without one. */
    public double probeAccuracy() {
        return probeAccuracy;
    }

    /** The figures a model version carries: the last step's, images trained, and the probe accuracy when there is one. */
    public Map<String, Double> versionFigures() {
        Map<String, Double> figures = new HashMap<>();
        if (last != null) {
            figures.put("loss", last.loss());
            figures.put("embeddingStd", last.embeddingStd());
            figures.put("lr", last.lr());
            figures.put("momentum", last.momentum());
        }
        figures.put("imagesTrained", (double) imagesTrained);
        if (!Double.isNaN(probeAccuracy)) {
            figures.put("probeAccuracy", probeAccuracy);
        }
        return figures;
    }
}
