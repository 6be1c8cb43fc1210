package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.extrema.model.TorchTypes;
import java.util.SplittableRandom;

/**
 * Drop-path masks for the SA blocks, drawn from a Java generator (not libtorch's) so a step is reproducible from
 * (seed, step) and a resumed run draws the same masks. Rates rise linearly from 0 to the configured maximum.
 */
public final class StochasticDepth {

    private final double[] rates;
    private final SplittableRandom random;

    private StochasticDepth(double[] rates, SplittableRandom random) {
        this.rates = rates;
        this.random = random;
    }

    /** No drop-path (inference, the target branch). */
    public static StochasticDepth none() {
        return new StochasticDepth(new double[0], null);
    }

    public static StochasticDepth linear(double maxRate, int depth, SplittableRandom random) {
        double[] rates = new double[depth];
        for (int i = 0; i < depth; i++) {
            rates[i] = depth == 1 ? maxRate : maxRate * i / (depth - 1);
        }
        return new StochasticDepth(rates, random);
    }

    /**
     * Per-sequence scale [rows, 1, 1] for block {@code block} over tokens {@code x} [rows, n, D], in their type and
     * manager: 0 (dropped) or 1/(1−p); null when p = 0.
     */
    NDArray keepScale(int block, NDArray x) {
        long rows = x.getShape().get(0);
        if (block >= rates.length || rates[block] <= 0) {
            return null;
        }
        double p = rates[block];
        float[] scale = new float[(int) rows];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = random.nextDouble() < p ? 0f : (float) (1.0 / (1.0 - p));
        }
        return TorchTypes.like(x.getManager().create(scale, new Shape(rows, 1, 1)), x);
    }
}
