package io.extrema.model;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every setting of an ExtreMA network and its training, in one immutable record.
 *
 * <p>The stream has no epochs, so every schedule is counted in optimiser steps: learning-rate warmup then
 * constant or cosine-with-restarts, EMA momentum cosine from start to end over a horizon then constant.
 * {@link #toMap()}/{@link #fromMap(Map)} carry the record in model-version manifests and checkpoints.
 *
 * @param imageSize square input side in pixels
 * @param patchSize square patch side; {@code (imageSize/patchSize)^2} tokens
 * @param stem tokenizer: {@code patch} (linear embedding of each patch, the paper) or {@code conv} (log2(p) stride-2
 *     3×3 convolutions, "early convolutions"; needs p a power of two)
 * @param dim token width D
 * @param depth self-attention blocks (over visible tokens only)
 * @param heads attention heads (D must divide by it)
 * @param mlpRatio hidden width of a block MLP as a multiple of D
 * @param caDepth class-attention blocks after the SA blocks (2 in the paper)
 * @param layerScaleInit LayerScale initial value in the CA blocks (0.1 in the paper)
 * @param projectorHidden projector (3 layers) hidden width
 * @param projectorOut projector output width P
 * @param predictorHidden predictor (2 layers) hidden width; its output is P
 * @param headNorm norm of the projector's and predictor's hidden layers: {@code layer} (the paper) or
 *     {@code batch} (batch statistics, MoCo v3's ViT heads; better at small batches, see docs/learning-speed.md)
 * @param maskRatio r: fraction of the N tokens each online view drops
 * @param numMasks K: online views per image, run as one batch of B·K sequences
 * @param dropPath highest stochastic-depth rate (linear over the SA blocks)
 * @param cropScaleMin smallest area, as a fraction of the image, of the random-resized crop both branches share
 *     (0.2 in the paper); the one augmentation setting the recipe tunes, the rest is the paper's
 * @param baseLr learning rate per 256 images; the peak rate is {@code baseLr·batchSize/256}
 * @param predictorLrScale multiplier of the peak rate for the predictor (SimSiam-style faster predictor)
 * @param warmupSteps linear warmup from 0 to the peak rate
 * @param lrSchedule after warmup: {@code constant} or {@code cosine-restarts}
 * @param lrCycleSteps cycle length of {@code cosine-restarts}
 * @param minLrRatio floor of {@code cosine-restarts} as a fraction of the peak rate
 * @param weightDecay decoupled AdamW decay (not applied to 1-D parameters and the class token)
 * @param beta1 AdamW first-moment decay
 * @param beta2 AdamW second-moment decay
 * @param adamEps AdamW epsilon
 * @param gradClip global gradient-norm bound; 0 disables clipping
 * @param emaStart EMA momentum at step 0
 * @param emaEnd EMA momentum after {@code emaHorizonSteps}
 * @param emaHorizonSteps steps of the cosine ramp from start to end; constant afterwards
 * @param batchSize images per step (sets the peak learning rate)
 * @param seed seeds weights, masks and drop-path
 * @param precision arithmetic of the training step: {@code fp32}, or {@code fp16} (forward and backward in half
 *     precision with a dynamic loss scale, weights, optimiser, EMA and loss in fp32; for GPUs, where half-precision
 *     matmuls run several times faster). bf16 is not offered: DJL 0.33's PyTorch JNI cannot map it
 */
public record ExtremaConfig(
        int imageSize,
        int patchSize,
        String stem,
        int dim,
        int depth,
        int heads,
        double mlpRatio,
        int caDepth,
        double layerScaleInit,
        int projectorHidden,
        int projectorOut,
        int predictorHidden,
        String headNorm,
        double maskRatio,
        int numMasks,
        double dropPath,
        double cropScaleMin,
        double baseLr,
        double predictorLrScale,
        long warmupSteps,
        String lrSchedule,
        long lrCycleSteps,
        double minLrRatio,
        double weightDecay,
        double beta1,
        double beta2,
        double adamEps,
        double gradClip,
        double emaStart,
        double emaEnd,
        long emaHorizonSteps,
        int batchSize,
        long seed,
        String precision) {

    public static final String LR_CONSTANT = "constant";
    public static final String LR_COSINE_RESTARTS = "cosine-restarts";
    public static final String HEAD_LAYER_NORM = "layer";
    public static final String HEAD_BATCH_NORM = "batch";
    public static final String STEM_PATCH = "patch";
    public static final String STEM_CONV = "conv";
    public static final String PRECISION_FP32 = "fp32";
    public static final String PRECISION_FP16 = "fp16";

    /**
     * Settings that change how a step is computed but not the network, its weights or its optimiser state: weights
     * trained with one value load under another.
     */
    public static final Set<String> ARITHMETIC_ONLY = Set.of("precision");

    public ExtremaConfig {
        require(
                imageSize > 0 && patchSize > 0 && imageSize % patchSize == 0,
                "imageSize must be a positive multiple of patchSize");
        require(dim > 0 && heads > 0 && dim % heads == 0, "dim must be a positive multiple of heads");
        require(depth >= 1 && caDepth >= 1, "depth and caDepth must be >= 1");
        require(maskRatio >= 0 && maskRatio <= 0.95, "maskRatio must be in [0, 0.95]");
        require(numMasks >= 1, "numMasks must be >= 1");
        require(dropPath >= 0 && dropPath < 1, "dropPath must be in [0, 1)");
        require(cropScaleMin > 0 && cropScaleMin <= 1, "cropScaleMin must be in (0, 1]");
        require(
                LR_CONSTANT.equals(lrSchedule) || LR_COSINE_RESTARTS.equals(lrSchedule),
                "lrSchedule must be '" + LR_CONSTANT + "' or '" + LR_COSINE_RESTARTS + "'");
        require(lrCycleSteps >= 1 && warmupSteps >= 0 && emaHorizonSteps >= 1, "step counts must be positive");
        require(emaStart >= 0 && emaStart <= 1 && emaEnd >= 0 && emaEnd <= 1, "EMA momenta must be in [0, 1]");
        require(batchSize >= 1, "batchSize must be >= 1");
        require(
                STEM_PATCH.equals(stem)
                        || (STEM_CONV.equals(stem) && Integer.bitCount(patchSize) == 1 && patchSize >= 2),
                "stem must be '" + STEM_PATCH + "' or '" + STEM_CONV + "' (conv needs a power-of-two patch size >= 2)");
        require(
                HEAD_LAYER_NORM.equals(headNorm) || HEAD_BATCH_NORM.equals(headNorm),
                "headNorm must be '" + HEAD_LAYER_NORM + "' or '" + HEAD_BATCH_NORM + "'");
        require(
                PRECISION_FP32.equals(precision) || PRECISION_FP16.equals(precision),
                "precision must be '" + PRECISION_FP32 + "' or '" + PRECISION_FP16 + "'");
    }

    /** Whether a gradient of this global norm is scaled down to {@code gradClip}. */
    public boolean clips(double gradNorm) {
        return gradClip > 0 && gradNorm > gradClip;
    }

    /** The factor that brings a gradient of this global norm within {@code gradClip}; 1 when it is within. */
    public double clipScale(double gradNorm) {
        return clips(gradNorm) ? gradClip / (gradNorm + 1e-6) : 1.0;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * 32×32 images, patch 4 (64 tokens), a narrow and shallow ViT (D 128, 4 blocks): one step of 64 images with
     * 4 masks takes about half a second on 2 CPU cores. Short-run recipe (docs/learning-speed.md): 4 blocks rather than
     * 6 (more k-NN per image seen, and 1.4× the images per second), heads with batch statistics (LayerNorm heads let
     * the loss fall to ~0.05 within 100 steps while the target's features drift together), warmup 50 steps (a few
     * per cent of a 30-minute run), constant rate, momentum from 0.99, batch 64 (twice the steps of batch 128 in
     * the same minutes, at as many images per second, peak rate scaled with it: +2.8 points of k-NN at 15 minutes),
     * the predictor at 10× the rate (it must keep up with a moving encoder: +4 points of k-NN at 15 minutes),
     * crops of at least 0.35 of the image rather than 0.2 (both branches share the crop, so it only decides how
     * much of a 32-pixel image the network sees: +2 points of k-NN at 30 minutes).
     */
    public static ExtremaConfig cifarTiny() {
        return new ExtremaConfig(
                32,
                4,
                STEM_PATCH,
                128,
                4,
                4,
                4.0,
                2,
                0.1,
                1024,
                256,
                1024,
                HEAD_BATCH_NORM,
                0.75,
                4,
                0.0,
                0.35,
                1.0e-3,
                10.0,
                50,
                LR_CONSTANT,
                5000,
                0.1,
                0.05,
                0.9,
                0.95,
                1e-8,
                3.0,
                0.99,
                1.0,
                20_000,
                64,
                42,
                PRECISION_FP32);
    }

    /**
     * ViT-S/16 at 224 with the paper's heads (4096 hidden, 256 out), r = 0.8, K = 5. For GPUs, so in fp16: tensor
     * cores run half-precision matmuls many times faster than fp32 ones (docs/gpu.md).
     */
    public static ExtremaConfig vitSmall16() {
        return new ExtremaConfig(
                224,
                16,
                STEM_PATCH,
                384,
                12,
                6,
                4.0,
                2,
                0.1,
                4096,
                256,
                4096,
                HEAD_LAYER_NORM,
                0.8,
                5,
                0.1,
                0.2,
                1.5e-4,
                1.0,
                10_000,
                LR_COSINE_RESTARTS,
                200_000,
                0.01,
                0.1,
                0.9,
                0.95,
                1e-8,
                3.0,
                0.996,
                1.0,
                200_000,
                256,
                42,
                PRECISION_FP16);
    }

    /** ViT-B/16 at 224, the paper's main model. For GPUs. */
    public static ExtremaConfig vitBase16() {
        return vitSmall16().with("dim", "768").with("heads", "12");
    }

    /** The presets by the name every command's {@code preset} setting takes. */
    public static final List<String> PRESETS = List.of("cifar-tiny", "vit-small16", "vit-base16");

    /** The preset called {@code name} (one of {@link #PRESETS}). */
    public static ExtremaConfig preset(String name) {
        return switch (name) {
            case "cifar-tiny" -> cifarTiny();
            case "vit-small16" -> vitSmall16();
            case "vit-base16" -> vitBase16();
            default ->
                throw new IllegalArgumentException("unknown preset " + name + "; known: " + String.join(", ", PRESETS));
        };
    }

    /** Tokens per image. */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** Tokens each online view keeps: {@code round(N·(1−r))}, at least 1. */
    public int keptTokens() {
        return Math.max(1, (int) Math.round(numPatches() * (1 - maskRatio)));
    }

    /** True when the heads' hidden layers use batch statistics instead of LayerNorm. */
    public boolean batchNormHeads() {
        return HEAD_BATCH_NORM.equals(headNorm);
    }

    /** True when the training step runs its forward and backward in half precision. */
    public boolean halfPrecision() {
        return PRECISION_FP16.equals(precision);
    }

    /** Peak learning rate, linearly scaled from {@link #baseLr} by batch size. */
    public double peakLr() {
        return baseLr * batchSize / 256.0;
    }

    public ExtremaConfig withBatchSize(int batch) {
        return with("batchSize", Integer.toString(batch));
    }

    public ExtremaConfig withMasks(int k, double ratio) {
        return with("numMasks", Integer.toString(k)).with("maskRatio", Double.toString(ratio));
    }

    public ExtremaConfig withSeed(long newSeed) {
        return with("seed", Long.toString(newSeed));
    }

    /** A copy with one setting changed, by its record-component name (used by sweeps and the command line). */
    public ExtremaConfig with(String key, String value) {
        Map<String, String> map = toMap();
        if (!map.containsKey(key)) {
            throw new IllegalArgumentException("unknown model setting '" + key + "'; known: " + map.keySet());
        }
        map.put(key, value);
        return fromMap(map);
    }

    /** Every setting as text, in declaration order. */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (RecordComponent c : ExtremaConfig.class.getRecordComponents()) {
            try {
                map.put(c.getName(), String.valueOf(c.getAccessor().invoke(this)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return map;
    }

    /**
     * Settings added after models were first published, with the value every model written before them was trained
     * with, so older checkpoints and model versions still load (and a changed preset is reported as a change).
     */
    private static final Map<String, String> ADDED_LATER =
            Map.of("predictorLrScale", "1.0", "cropScaleMin", "0.2", "precision", PRECISION_FP32);

    /**
     * Inverse of {@link #toMap()}; every setting must be present (those of {@link #ADDED_LATER} may be absent) and
     * no unknown one may be.
     */
    public static ExtremaConfig fromMap(Map<String, String> map) {
        RecordComponent[] components = ExtremaConfig.class.getRecordComponents();
        Set<String> unknown = new TreeSet<>(map.keySet());
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String text = map.getOrDefault(c.getName(), ADDED_LATER.get(c.getName()));
            if (text == null) {
                throw new IllegalArgumentException("model setting '" + c.getName() + "' is missing");
            }
            unknown.remove(c.getName());
            types[i] = c.getType();
            try {
                args[i] = parse(c.getType(), text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "model setting '" + c.getName() + "' is not a " + c.getType() + ": " + text, e);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown model settings " + unknown);
        }
        try {
            return ExtremaConfig.class.getDeclaredConstructor(types).newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object parse(Class<?> type, String text) {
        if (type == int.class) {
            return Integer.parseInt(text);
        } else if (type == long.class) {
            return Long.parseLong(text);
        } else if (type == double.class) {
            return Double.parseDouble(text);
        }
        return text;
    }
}
