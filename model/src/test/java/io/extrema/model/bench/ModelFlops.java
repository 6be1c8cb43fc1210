package io.extrema.model.bench;

import io.extrema.model.ExtremaConfig;
import io.extrema.model.nn.ConvStem;

/**
 * Analytic count of the matrix-multiply FLOPs of one training step (2 FLOPs per multiply-add). LayerNorm, GELU,
 * softmax, the optimiser and the EMA are not counted: they are memory-bound and small next to the matmuls.
 * Backward costs twice the forward (gradients w.r.t. inputs and weights).
 */
public final class ModelFlops {

    private ModelFlops() {}

    /** Forward FLOPs of encoder + CA + projector for {@code sequences} sequences of {@code tokens} visible tokens. */
    public static double encoderForward(ExtremaConfig c, double images, double sequences, double tokens) {
        double d = c.dim();
        double hidden = Math.round(d * c.mlpRatio());
        double patch = tokenizer(c, images); // runs on all N tokens before masking
        double sa = c.depth()
                * sequences
                * (2 * tokens * d * 3 * d // qkv
                        + 2 * 2 * tokens * tokens * d // QKᵀ and AV
                        + 2 * tokens * d * d // proj
                        + 2 * 2 * tokens * d * hidden); // MLP
        double m = tokens + 1;
        double ca = c.caDepth()
                * sequences
                * (2 * d * d // q
                        + 2 * m * d * 2 * d // kv
                        + 2 * 2 * m * d // qKᵀ and AV
                        + 2 * d * d // proj
                        + 2 * 2 * d * hidden); // MLP on the class token
        double h = c.projectorHidden();
        double projector = 2 * sequences * (d * h + h * h + h * c.projectorOut());
        return patch + sa + ca + projector;
    }

    /** Forward FLOPs of the patch embedding or convolutional stem over whole images. */
    static double tokenizer(ExtremaConfig c, double images) {
        double p = c.patchSize();
        if (!ExtremaConfig.STEM_CONV.equals(c.stem())) {
            return 2 * images * c.numPatches() * 3 * p * p * c.dim();
        }
        double in = 3;
        double side = c.imageSize();
        double flops = 0;
        for (int out : ConvStem.channels(c.patchSize(), c.dim())) {
            side /= 2;
            flops += 2 * images * side * side * out * in * 9;
            in = out;
        }
        return flops + 2 * images * c.numPatches() * in * c.dim(); // the 1×1 projection
    }

    /** FLOPs of one step on {@code batch} images: online fwd+bwd over K masked views, predictor, target forward. */
    public static double trainingStep(ExtremaConfig c, int batch) {
        double views = (double) batch * c.numMasks();
        double online = encoderForward(c, batch, views, c.keptTokens())
                + 2 * views * 2 * c.projectorOut() * c.predictorHidden(); // predictor: P→H→P
        double target = encoderForward(c, batch, batch, c.numPatches());
        return 3 * online + target;
    }
}
