package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/** Multi-head self-attention with all heads in one batched matmul (no loop over heads). */
public final class SelfAttention extends TensorBlock {

    private final int dim;
    private final int heads;
    private final float scale;
    private final Linear qkv;
    private final Linear proj;

    public SelfAttention(int dim, int heads) {
        this.dim = dim;
        this.heads = heads;
        this.scale = (float) (1.0 / Math.sqrt(dim / (double) heads));
        qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dim).build());
        proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        NDArray qkvs = call(qkv, ps, x, training) // [B, n, 3D]
                .reshape(b, n, 3, heads, dim / heads)
                .transpose(2, 0, 3, 1, 4); // [3, B, h, n, d]
        NDArray q = qkvs.get(0);
        q = q.mul(GraphScalar.of(q, scale)); // [B, h, n, d]
        NDArray attn = q.matMul(qkvs.get(1).transpose(0, 1, 3, 2)).softmax(-1); // [B, h, n, n]
        NDArray out = attn.matMul(qkvs.get(2)) // [B, h, n, d]
                .transpose(0, 2, 1, 3)
                .reshape(b, n, dim); // [B, n, D]
        return call(proj, ps, out, training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        qkv.initialize(manager, dataType, inputShapes[0]);
        proj.initialize(manager, dataType, inputShapes[0]);
    }
}
