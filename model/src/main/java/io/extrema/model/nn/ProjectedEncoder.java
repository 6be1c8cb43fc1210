package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.extrema.model.ExtremaConfig;

/** Encoder + projector: the part the online and target branches share (the target is an EMA copy of it). */
public final class ProjectedEncoder extends NetworkBlock {

    private final ExtremaConfig config;
    private final VisionEncoder encoder;
    private final ProjectionHead projector;

    public ProjectedEncoder(ExtremaConfig config) {
        this.config = config;
        encoder = addChildBlock("encoder", new VisionEncoder(config));
        projector = addChildBlock(
                "projector",
                new ProjectionHead(3, config.projectorHidden(), config.projectorOut(), config.batchNormHeads()));
    }

    public VisionEncoder encoder() {
        return encoder;
    }

    public ProjectionHead projector() {
        return projector;
    }

    /** Class-token features of K masked views (or the whole image when keep is null), projected: [B·K, P]. */
    public NDArray project(
            ParameterStore ps, NDArray images, NDArray keep, int views, StochasticDepth depth, boolean training) {
        NDArray instance =
                encoder.forward(ps, images, keep, views, depth, training).instance(); // [B·K, D]
        return projector.forward(ps, instance, training); // [B·K, P]
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(project(ps, inputs.singletonOrThrow(), null, 1, StochasticDepth.none(), training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long b = inputShapes[0].get(0);
        encoder.initialize(manager, dataType, inputShapes[0]);
        projector.initialize(manager, dataType, new Shape(b, config.dim()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.projectorOut())};
    }
}
