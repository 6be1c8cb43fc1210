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
 * @param embeddingStd the {@link EmbeddingSpread#spread spread} of the batch's target projections: per-dimension std
 *     of the L2-normalised projections × √P; ≈ 1 when healthy, → 0 on collapse; NaN when skipped
 * @param targetProjections [B][P] the L2-normalised target projections of the step's target images, the very ones
 *     the loss compared against (the target after this step's EMA update); what the minimum-redundancy replay
 *     buffer needs, so it never runs the target again. Null when the step was skipped before the target ran
 *     (non-finite input)
 * @param millis wall time of the step
 */
public record StepResult(
        long step,
        double loss,
        double lr,
        double momentum,
        double gradNorm,
        boolean skipped,
        long skippedTotal,
        double embeddingStd,
        float[][] targetProjections,
        double millis) {}
