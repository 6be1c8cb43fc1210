package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * CaiT class attention: the class token is the only query; LN(concat(cls, tokens)) gives keys and values; only the
 * class token is updated, through LayerScale (per-channel gains initialised small so it starts near the identity).
 */
public final class ClassAttentionBlock extends NetworkBlock {

    private final int dim;
    private final int heads;
    private final float scale;
    private final LayerNorm norm1;
    private final Linear q;
    private final Linear kv;
    private final Linear proj;
    private final Parameter gamma1;
    private final LayerNorm norm2;
    private final FeedForward mlp;
    private final Parameter gamma2;

    public ClassAttentionBlock(int dim, int heads, int mlpHidden, float layerScaleInit) {
        this.dim = dim;
        this.heads = heads;
        this.scale = (float) (1.0 / Math.sqrt(dim / (double) heads));
        norm1 = addChildBlock("norm1", lastAxisNorm(3));
        q = addChildBlock("q", Linear.builder().setUnits(dim).build());
        kv = addChildBlock("kv", Linear.builder().setUnits(2L * dim).build());
        proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
        gamma1 = addParameter(layerScale("gamma1", dim, layerScaleInit));
        norm2 = addChildBlock("norm2", lastAxisNorm(3));
        mlp = addChildBlock("mlp", new FeedForward(dim, mlpHidden));
        gamma2 = addParameter(layerScale("gamma2", dim, layerScaleInit));
    }

    private static Parameter layerScale(String name, int dim, float init) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(dim))
                .optInitializer(new ConstantInitializer(init))
                .build();
    }

    /**
     * @param cls class token [B, 1, D]
     * @param x patch tokens [B, n, D] (read only)
     * @return the updated class token [B, 1, D]
     */
    public NDArray forward(ParameterStore ps, NDArray cls, NDArray x, boolean training) {
        long b = x.getShape().get(0);
        long m = x.getShape().get(1) + 1;
        long hd = dim / heads;
        NDArray u = call(norm1, ps, cls.concat(x, 1), training); // [B, 1+n, D]
        NDArray query = call(q, ps, u.get(":, 0:1"), training) // [B, 1, D]
                .reshape(b, 1, heads, hd)
                .transpose(0, 2, 1, 3); // [B, h, 1, d]
        query = query.mul(GraphScalar.of(query, scale));
        NDArray keysValues = call(kv, ps, u, training) // [B, 1+n, 2D]
                .reshape(b, m, 2, heads, hd)
                .transpose(2, 0, 3, 1, 4); // [2, B, h, 1+n, d]
        NDArray attn = query.matMul(keysValues.get(0).transpose(0, 1, 3, 2)).softmax(-1); // [B, h, 1, 1+n]
        NDArray out = attn.matMul(keysValues.get(1)) // [B, h, 1, d]
                .transpose(0, 2, 1, 3)
                .reshape(b, 1, dim); // [B, 1, D]
        cls = cls.add(call(proj, ps, out, training).mul(ps.getValue(gamma1, cls.getDevice(), training)));
        NDArray y = mlp.forward(ps, call(norm2, ps, cls, training), training); // [B, 1, D]
        return cls.add(y.mul(ps.getValue(gamma2, cls.getDevice(), training)));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = inputShapes[0]; // [B, n, D]
        Shape cls = new Shape(tokens.get(0), 1, dim);
        norm1.initialize(manager, dataType, tokens);
        q.initialize(manager, dataType, cls);
        kv.initialize(manager, dataType, tokens);
        proj.initialize(manager, dataType, cls);
        norm2.initialize(manager, dataType, cls);
        mlp.initialize(manager, dataType, cls);
    }
}
