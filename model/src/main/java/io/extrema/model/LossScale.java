package io.extrema.model;

import java.util.Map;

/**
 * Dynamic loss scaling for half-precision backward passes: the loss is multiplied by the scale so small gradients
 * do not flush to zero in fp16; a step whose gradients overflow is skipped and the scale halved; after
 * {@value #GROWTH_INTERVAL} clean steps in a row it doubles again. The defaults of PyTorch's GradScaler.
 */
final class LossScale {

    static final double INITIAL = 65536;
    static final int GROWTH_INTERVAL = 2000;
    // fp16's smallest normal number: below it the scale no longer lifts anything, something else is wrong
    private static final double MIN = 0x1p-14;

    private double scale;
    private int cleanSteps;
    private long overflows;

    LossScale(double scale, int cleanSteps, long overflows) {
        this.scale = scale;
        this.cleanSteps = cleanSteps;
        this.overflows = overflows;
    }

    static LossScale initial() {
        return new LossScale(INITIAL, 0, 0);
    }

    double value() {
        return scale;
    }

    /** Gradients were not finite at this scale: the step is skipped, the next one tries half the scale. */
    void overflowed() {
        scale = Math.max(MIN, scale / 2);
        cleanSteps = 0;
        overflows++;
    }

    /** Steps skipped for overflowing gradients so far. */
    long overflows() {
        return overflows;
    }

    /** A step was applied at this scale. */
    void applied() {
        if (++cleanSteps == GROWTH_INTERVAL) {
            scale *= 2;
            cleanSteps = 0;
        }
    }

    /** Checkpoint counters: a resumed run continues with the scale it had. */
    Map<String, String> counters() {
        return Map.of(
                "lossScale",
                Double.toString(scale),
                "lossScaleCleanSteps",
                Integer.toString(cleanSteps),
                "overflows",
                Long.toString(overflows));
    }

    /** From {@link #counters()}; checkpoints written before fp16 existed start at the initial scale. */
    static LossScale restore(Map<String, String> counters) {
        return new LossScale(
                Double.parseDouble(counters.getOrDefault("lossScale", Double.toString(INITIAL))),
                Integer.parseInt(counters.getOrDefault("lossScaleCleanSteps", "0")),
                Long.parseLong(counters.getOrDefault("overflows", "0")));
    }
}
