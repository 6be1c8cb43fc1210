package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/** The transformer MLP: Linear(D→hidden) → GELU → Linear(hidden→D), on any leading shape. */
public final class FeedForward extends TensorBlock {

    private final int hidden;
    private final Linear fc1;
    private final Linear fc2;

    public FeedForward(int dim, int hidden) {
        this.hidden = hidden;
        fc1 = addChildBlock("fc1", Linear.builder().setUnits(hidden).build());
        fc2 = addChildBlock("fc2", Linear.builder().setUnits(dim).build());
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = Activation.gelu(call(fc1, ps, x, training)); // [..., hidden]
        return call(fc2, ps, h, training); // [..., D]
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fc1.initialize(manager, dataType, inputShapes[0]);
        fc2.initialize(manager, dataType, withLast(inputShapes[0], hidden));
    }
}
