package io.extrema.model;

/**
 * What one training step did.
 *
 * @param step index of this step (optimiser updates applied before it)
 * @param loss mean over the K views of 2 − 2·cos(prediction, target projection); NaN when skipped for bad input
 * @param lr learning rate used
 * @param momentum EMA momentum used for the target update
 * @param gradNorm global gradient L2 norm before clipping (NaN when not computed)
 * @param skipped true when the step was not applied (non-finite input, loss or gradient)
 * @param skippedTotal steps skipped so far in this run
 * @param embeddingStd mean over dimensions of the per-dimension std of the L2-normalised target projections;
 *     ≈ 1/√P when healthy, → 0 on collapse
 * @param healthyStd 1/√P, the value of {@code embeddingStd} for well-spread embeddings
 * @param millis wall time of the step
 */
public record StepResult(long step, double loss, double lr, double momentum, double gradNorm, boolean skipped,
    long skippedTotal, double embeddingStd, double healthyStd, double millis) { }
