package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Pre-norm ViT block over the visible patch tokens: x + DropPath(SA(LN x)), then x + DropPath(MLP(LN x)). */
public final class SelfAttentionBlock extends NetworkBlock {

    private final LayerNorm norm1;
    private final SelfAttention attn;
    private final LayerNorm norm2;
    private final FeedForward mlp;

    public SelfAttentionBlock(int dim, int heads, int mlpHidden) {
        norm1 = addChildBlock("norm1", lastAxisNorm(3));
        attn = addChildBlock("attn", new SelfAttention(dim, heads));
        norm2 = addChildBlock("norm2", lastAxisNorm(3));
        mlp = addChildBlock("mlp", new FeedForward(dim, mlpHidden));
    }

    /**
     * @param x tokens [B, n, D]
     * @param keep drop-path scale per sequence [B, 1, 1] (0 or 1/(1−p)), or null for no drop-path
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray keep, boolean training) {
        NDArray y = attn.forward(ps, call(norm1, ps, x, training), training); // [B, n, D]
        x = x.add(keep == null ? y : y.mul(keep));
        y = mlp.forward(ps, call(norm2, ps, x, training), training); // [B, n, D]
        return x.add(keep == null ? y : y.mul(keep));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), null, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        norm1.initialize(manager, dataType, inputShapes[0]);
        attn.initialize(manager, dataType, inputShapes[0]);
        norm2.initialize(manager, dataType, inputShapes[0]);
        mlp.initialize(manager, dataType, inputShapes[0]);
    }
}
