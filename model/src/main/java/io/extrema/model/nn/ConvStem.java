package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Early convolutions in place of the linear patch embedding (Xiao et al. 2021, "Early convolutions help transformers
 * see better"): log2(p) stride-2 3×3 convolutions with GELU, channels doubling up to D/2, then a 1×1 convolution to
 * D. Same tokens out as the patch embedding ({@code [B, N, D]}, row-major), for a few per cent of the encoder's
 * FLOPs. Neighbouring patches overlap by one pixel per layer at the border of each token's receptive field, so
 * masked tokens leak a thin rim into the visible ones: masking is slightly less extreme than with linear patches.
 */
public final class ConvStem extends TensorBlock {

    private final int dim;
    private final List<Conv2d> convs = new ArrayList<>();
    private final Conv2d project;

    /** @param patchSize a power of two ≥ 2: the total stride */
    public ConvStem(int patchSize, int dim) {
        if (patchSize < 2 || Integer.bitCount(patchSize) != 1) {
            throw new IllegalArgumentException("a convolutional stem needs the patch size to be a power of two >= 2");
        }
        this.dim = dim;
        for (int c : channels(patchSize, dim)) {
            convs.add(addChildBlock(
                    "conv" + convs.size(),
                    Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optStride(new Shape(2, 2))
                            .optPadding(new Shape(1, 1))
                            .setFilters(c)
                            .build()));
        }
        project = addChildBlock(
                "project",
                Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(dim).build());
    }

    /** Output channels of the stride-2 layers: ..., D/8, D/4, D/2 (at least 8). */
    public static int[] channels(int patchSize, int dim) {
        int layers = Integer.numberOfTrailingZeros(patchSize);
        int[] c = new int[layers];
        for (int i = 0; i < layers; i++) {
            c[i] = Math.max(8, dim >> (layers - i));
        }
        return c;
    }

    /** @param images [B, 3, H, W] → tokens [B, (H/p)·(W/p), D] */
    public NDArray forward(ParameterStore ps, NDArray images, boolean training) {
        NDArray x = images;
        for (Conv2d conv : convs) {
            x = Activation.gelu(call(conv, ps, x, training)); // [B, C, H/2^i, W/2^i]
        }
        x = call(project, ps, x, training); // [B, D, H/p, W/p]
        Shape s = x.getShape();
        return x.reshape(s.get(0), dim, s.get(2) * s.get(3)).transpose(0, 2, 1); // [B, N, D]
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = inputShapes[0]; // [B, 3, H, W]
        for (Conv2d conv : convs) {
            conv.initialize(manager, dataType, shape);
            shape = conv.getOutputShapes(new Shape[] {shape})[0];
        }
        project.initialize(manager, dataType, shape);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        int stride = 1 << convs.size();
        return new Shape[] {new Shape(s.get(0), (s.get(2) / stride) * (s.get(3) / stride), dim)};
    }
}
