package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;

/** Base of the ExtreMA blocks: typed forward methods over DJL children that each take one tensor. */
abstract class NetworkBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    NetworkBlock() {
        super(VERSION);
    }

    /** Runs a single-input child block. */
    static NDArray call(Block child, ParameterStore ps, NDArray x, boolean training) {
        return child.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /**
     * LayerNorm over the last axis only (DJL normalises every non-batch axis unless told), with the encoder's epsilon
     * 1e-6 (the official ViT's).
     */
    static LayerNorm lastAxisNorm(int rank) {
        return lastAxisNorm(rank, 1e-6f);
    }

    /** LayerNorm over the last axis with {@code epsilon}: the official heads use PyTorch's default, 1e-5. */
    static LayerNorm lastAxisNorm(int rank, float epsilon) {
        return LayerNorm.builder().axis(rank - 1).optEpsilon(epsilon).build();
    }

    /** {@code shape} with its last axis replaced by {@code last}. */
    static Shape withLast(Shape shape, long last) {
        return shape.slice(0, shape.dimension() - 1).add(last);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
