package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * MLP head of ExtreMA: (Linear → norm → GELU) × (layers−1) → Linear. Projector: 3 layers; predictor: 2. The norm
 * is LayerNorm (the paper) or, for small batches, {@link BatchStatNorm} (MoCo v3's ViT heads).
 */
public final class ProjectionHead extends TensorBlock {

    private final int hidden;
    private final int out;
    private final List<Linear> linears = new ArrayList<>();
    private final List<Block> norms = new ArrayList<>();

    public ProjectionHead(int layers, int hidden, int out, boolean batchNorm) {
        this.hidden = hidden;
        this.out = out;
        for (int i = 0; i < layers; i++) {
            boolean last = i == layers - 1;
            linears.add(addChildBlock(
                    "fc" + (i + 1),
                    Linear.builder().setUnits(last ? out : hidden).build()));
            if (!last) {
                norms.add(addChildBlock(
                        "norm" + (i + 1), batchNorm ? new BatchStatNorm(hidden) : lastAxisNorm(2, 1e-5f)));
            }
        }
    }

    /** @param x [B, in] @return [B, out] */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        for (int i = 0; i < norms.size(); i++) {
            x = Activation.gelu(call(norms.get(i), ps, call(linears.get(i), ps, x, training), training)); // [B, hidden]
        }
        return call(linears.get(linears.size() - 1), ps, x, training); // [B, out]
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        Shape mid = withLast(in, hidden);
        for (int i = 0; i < linears.size(); i++) {
            linears.get(i).initialize(manager, dataType, i == 0 ? in : mid);
        }
        for (Block norm : norms) {
            norm.initialize(manager, dataType, mid);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {withLast(inputShapes[0], out)};
    }
}
