package io.extrema.trainer;

import io.extrema.trainer.config.TrainerConfig;

/**
 * When the training loop's work between steps is due: each kind every so many applied steps, model versions also
 * after so many minutes, whichever comes first.
 */
final class Cadence {
    private final int logEvery;
    private final int probeEvery;
    private final int metricsEvery;
    private final int versionEverySteps;
    private final long versionEveryNanos;
    private final int checkpointEvery;
    private long lastVersionStep;
    private long lastVersionNanos = System.nanoTime();
    private long lastCheckpointStep;

    /** @param step the step training starts from: a resumed lineage's last checkpoint and version are of it */
    Cadence(TrainerConfig config, long step) {
        logEvery = config.getInt(TrainerConfig.LOG_INTERVAL_STEPS);
        probeEvery = config.getInt(TrainerConfig.PROBE_INTERVAL_STEPS);
        metricsEvery = config.getInt(TrainerConfig.METRICS_INTERVAL_STEPS);
        versionEverySteps = config.getInt(TrainerConfig.VERSION_INTERVAL_STEPS);
        versionEveryNanos = (long) (config.getDouble(TrainerConfig.VERSION_INTERVAL_MINUTES) * 60e9);
        checkpointEvery = config.getInt(TrainerConfig.CHECKPOINT_INTERVAL_STEPS);
        lastVersionStep = step;
        lastCheckpointStep = step;
    }

    boolean logDue(long step) {
        return step % logEvery == 0;
    }

    boolean probeDue(long step) {
        return step % probeEvery == 0;
    }

    boolean metricsDue(long step) {
        return step % metricsEvery == 0;
    }

    boolean versionDue(long step) {
        return step - lastVersionStep >= versionEverySteps
                || (versionEveryNanos > 0 && System.nanoTime() - lastVersionNanos >= versionEveryNanos);
    }

    void versionPublished(long step) {
        lastVersionStep = step;
        lastVersionNanos = System.nanoTime();
    }

    boolean checkpointDue(long step) {
        return step - lastCheckpointStep >= checkpointEvery;
    }

    /** At a clean stop: unless the last checkpoint is of this step (a lineage at step 0 always writes its first). */
    boolean checkpointOwed(long step) {
        return step > lastCheckpointStep || lastCheckpointStep == 0;
    }

    void checkpointed(long step) {
        lastCheckpointStep = step;
    }
}
