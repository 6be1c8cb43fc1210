package io.extrema.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.TorchTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * The ExtreMA encoder, read top to bottom like the paper: patchify + linear embedding (or an early-convolution
 * stem); fixed 2-D sin-cos position embedding added before masking (kept tokens keep their positions, masked ones
 * are simply dropped); SA blocks over the visible tokens only; class-attention blocks that update a learned class
 * token; a final LayerNorm.
 */
public final class VisionEncoder extends NetworkBlock {

    private final ExtremaConfig config;
    private final TensorBlock tokenizer; // PatchEmbedding or ConvStem: [B, 3, H, W] → [B, N, D]
    private final Parameter clsToken;
    private final List<SelfAttentionBlock> blocks = new ArrayList<>();
    private final List<ClassAttentionBlock> classBlocks = new ArrayList<>();
    private final LayerNorm norm;
    private NDArray posEmbed; // [1, N, D], fixed, created at initialisation

    public VisionEncoder(ExtremaConfig config) {
        this.config = config;
        if (config.dim() % 4 != 0) {
            throw new IllegalArgumentException("2-D sin-cos position embedding needs dim divisible by 4");
        }
        int mlpHidden = (int) Math.round(config.dim() * config.mlpRatio());
        tokenizer = addChildBlock(
                "patch_embed",
                ExtremaConfig.STEM_CONV.equals(config.stem())
                        ? new ConvStem(config.patchSize(), config.dim())
                        : new PatchEmbedding(config.patchSize(), config.dim()));
        clsToken = addParameter(Parameter.builder()
                .setName("cls_token")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, 1, config.dim()))
                .optInitializer(new TruncatedNormalInitializer(0.02f))
                .build());
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(addChildBlock("block" + i, new SelfAttentionBlock(config.dim(), config.heads(), mlpHidden)));
        }
        for (int i = 0; i < config.caDepth(); i++) {
            classBlocks.add(addChildBlock(
                    "ca_block" + i,
                    new ClassAttentionBlock(config.dim(), config.heads(), mlpHidden, (float) config.layerScaleInit())));
        }
        norm = addChildBlock("norm", lastAxisNorm(3));
    }

    /**
     * The instance (class token) and distributed (patch tokens) representations, both after the final LayerNorm, and
     * the class token before it (what the official code's k-NN and linear probes read).
     */
    public record Features(NDArray instance, NDArray tokens, NDArray instanceBeforeNorm) {}

    /**
     * @param images [B, 3, H, W]
     * @param keep kept token indices per image, int64 [B, K·n] (K views of n tokens each), or null for all N tokens
     * @param views K; the output has B·K rows, image-major (row b·K + k is view k of image b)
     * @return instance [B·K, D] and tokens [B·K, n, D]
     */
    public Features forward(
            ParameterStore ps, NDArray images, NDArray keep, int views, StochasticDepth depth, boolean training) {
        int dim = config.dim();
        NDArray x = tokenizer.forward(ps, images, training); // [B, N, D]
        x = x.add(TorchTypes.like(posEmbed, x)); // in the activations' type: fp32 would promote an fp16 step
        long b = x.getShape().get(0);
        if (keep != null) {
            long kept = keep.getShape().get(1);
            NDArray index = keep.expandDims(2).broadcast(b, kept, dim); // [B, K·n, D]
            x = x.gather(index, 1).reshape(b * views, kept / views, dim); // [B·K, n, D]
        }
        long rows = x.getShape().get(0);
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(ps, x, depth.keepScale(i, x), training); // [B·K, n, D]
        }
        NDArray cls = x.getManager()
                .zeros(new Shape(rows, 1, dim), x.getDataType())
                .add(ps.getValue(clsToken, x.getDevice(), training)); // [B·K, 1, D]
        for (ClassAttentionBlock block : classBlocks) {
            cls = block.forward(ps, cls, x, training); // [B·K, 1, D]
        }
        NDArray out = call(norm, ps, cls.concat(x, 1), training); // [B·K, 1+n, D]
        return new Features(out.get(":, 0"), out.get(":, 1:"), cls.squeeze(1)); // [B·K, D], [B·K, n, D], [B·K, D]
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Features f = forward(ps, inputs.singletonOrThrow(), null, 1, StochasticDepth.none(), training);
        return new NDList(f.instance(), f.tokens());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long b = inputShapes[0].get(0);
        int n = config.numPatches();
        int p = config.patchSize();
        Shape tokens = new Shape(b, n, config.dim());
        tokenizer.initialize(manager, dataType, inputShapes[0]);
        for (SelfAttentionBlock block : blocks) {
            block.initialize(manager, dataType, tokens);
        }
        for (ClassAttentionBlock block : classBlocks) {
            block.initialize(manager, dataType, tokens);
        }
        norm.initialize(manager, dataType, new Shape(b, n + 1, config.dim()));
        posEmbed = manager.create(sinCos2d(config.dim(), config.imageSize() / p), new Shape(1, n, config.dim()));
    }

    /** MAE's fixed 2-D sin-cos table: half the channels encode the row, half the column. */
    static float[] sinCos2d(int dim, int side) {
        int quarter = dim / 4;
        float[] table = new float[side * side * dim];
        for (int row = 0; row < side; row++) {
            for (int col = 0; col < side; col++) {
                int base = (row * side + col) * dim;
                for (int i = 0; i < quarter; i++) {
                    double omega = 1.0 / Math.pow(10000, i / (double) quarter);
                    table[base + i] = (float) Math.sin(col * omega);
                    table[base + quarter + i] = (float) Math.cos(col * omega);
                    table[base + 2 * quarter + i] = (float) Math.sin(row * omega);
                    table[base + 3 * quarter + i] = (float) Math.cos(row * omega);
                }
            }
        }
        return table;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {new Shape(b, config.dim()), new Shape(b, config.numPatches(), config.dim())};
    }
}
