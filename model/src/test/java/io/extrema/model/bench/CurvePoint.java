package io.extrema.model.bench;

import java.util.Map;

/**
 * One evaluation of the learning curve.
 *
 * @param minutes     training wall-clock minutes so far (evaluation time excluded)
 * @param step        optimiser steps taken
 * @param images      training images consumed
 * @param loss        mean loss of the steps since the previous point (NaN at step 0)
 * @param spread      mean, over the same steps, of the {@link io.extrema.model.EmbeddingSpread#spread spread} of
 *                    the target projections (the trainer's collapse diagnostic): about 1 when healthy, near 0 collapsed
 * @param skipped     steps skipped for a non-finite loss or gradient so far
 * @param clipped     share of the steps since the previous point whose gradient norm exceeded {@code gradClip}
 *                    (so clipping changed them; NaN at step 0)
 * @param knn         k-NN top-1 accuracy per feature, keyed {@code <encoder>-<feature>} (e.g. {@code target-cls})
 * @param featureStd  {@link io.extrema.model.EmbeddingSpread#spread spread} of the target class tokens of the test
 *                    images: about 1 when healthy, near 0 when collapsed
 */
public record CurvePoint(
        double minutes,
        long step,
        long images,
        double loss,
        double spread,
        long skipped,
        double clipped,
        Map<String, Double> knn,
        double featureStd) {
    public CurvePoint {
        knn = Map.copyOf(knn);
    }
}
