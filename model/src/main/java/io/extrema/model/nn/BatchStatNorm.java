package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;

/**
 * BatchNorm of a head's hidden layer (MoCo v3's ViT heads) over the rows of the batch it is given, always with
 * that batch's statistics: no running averages, so the online and target branches normalise alike in every step.
 * At small batches it couples the images of a batch, which keeps the projections of different images apart
 * early in training, where LayerNorm heads let them drift together. Only the heads use it; the encoder's
 * features (what k-NN and serving read) never depend on the batch.
 */
public final class BatchStatNorm extends TensorBlock {

    private static final float EPS = 1e-5f;
    private final Parameter gamma;
    private final Parameter beta;

    public BatchStatNorm(int width) {
        gamma = addParameter(Parameter.builder()
                .setName("gamma")
                .setType(Parameter.Type.GAMMA)
                .optShape(new Shape(width))
                .optInitializer(new ConstantInitializer(1f))
                .build());
        beta = addParameter(Parameter.builder()
                .setName("beta")
                .setType(Parameter.Type.BETA)
                .optShape(new Shape(width))
                .optInitializer(new ConstantInitializer(0f))
                .build());
    }

    /** @param x [B, C] @return [B, C], each column zero-mean unit-variance over the B rows, then scaled and shifted */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray centred = x.sub(x.mean(new int[] {0}, true)); // [B, C]
        NDArray std = centred.square().mean(new int[] {0}, true).add(EPS).sqrt(); // [1, C]
        return centred.div(std)
                .mul(ps.getValue(gamma, x.getDevice(), training))
                .add(ps.getValue(beta, x.getDevice(), training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {}
}
