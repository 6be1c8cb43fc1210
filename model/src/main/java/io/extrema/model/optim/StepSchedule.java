package io.extrema.model.optim;

import io.extrema.model.ExtremaConfig;

/**
 * Learning-rate and EMA-momentum schedules counted in optimiser steps, because a stream has no epochs:
 * the run's length is unknown when it starts.
 */
public final class StepSchedule {

    private StepSchedule() {}

    /**
     * Linear warmup from 0 to the peak over {@code warmupSteps}; then either constant, or cosine from the peak to
     * {@code minLrRatio·peak} over {@code lrCycleSteps} and back to the peak (warm restarts), forever.
     */
    public static double learningRate(ExtremaConfig c, long step) {
        double peak = c.peakLr();
        if (step < c.warmupSteps()) {
            return peak * (step + 1) / c.warmupSteps();
        }
        if (ExtremaConfig.LR_CONSTANT.equals(c.lrSchedule())) {
            return peak;
        }
        double phase = ((step - c.warmupSteps()) % c.lrCycleSteps()) / (double) c.lrCycleSteps();
        double floor = peak * c.minLrRatio();
        return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * phase));
    }

    /** EMA momentum: cosine from {@code emaStart} to {@code emaEnd} over {@code emaHorizonSteps}, then constant. */
    public static double emaMomentum(ExtremaConfig c, long step) {
        if (step >= c.emaHorizonSteps()) {
            return c.emaEnd();
        }
        double progress = step / (double) c.emaHorizonSteps();
        return c.emaEnd() - (c.emaEnd() - c.emaStart()) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
