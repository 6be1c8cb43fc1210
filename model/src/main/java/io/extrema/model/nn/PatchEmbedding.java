package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/** The ViT tokenizer: non-overlapping p×p patches, each linearly embedded to D. */
public final class PatchEmbedding extends TensorBlock {

    private final int patchSize;
    private final int dim;
    private final Linear linear;

    public PatchEmbedding(int patchSize, int dim) {
        this.patchSize = patchSize;
        this.dim = dim;
        linear = addChildBlock("linear", Linear.builder().setUnits(dim).build());
    }

    /** @param images [B, 3, H, W] → tokens [B, (H/p)·(W/p), D] */
    public NDArray forward(ParameterStore ps, NDArray images, boolean training) {
        return call(linear, ps, patchify(images), training);
    }

    /** [B, 3, H, W] → [B, N, 3·p·p], channel-major inside a patch (the layout of a stride-p convolution kernel). */
    private NDArray patchify(NDArray images) {
        Shape s = images.getShape();
        int p = patchSize;
        long rows = s.get(2) / p;
        long cols = s.get(3) / p;
        return images.reshape(s.get(0), 3, rows, p, cols, p)
                .transpose(0, 2, 4, 1, 3, 5)
                .reshape(s.get(0), rows * cols, 3L * p * p);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        linear.initialize(
                manager,
                dataType,
                new Shape(s.get(0), (s.get(2) / patchSize) * (s.get(3) / patchSize), 3L * patchSize * patchSize));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), (s.get(2) / patchSize) * (s.get(3) / patchSize), dim)};
    }
}
