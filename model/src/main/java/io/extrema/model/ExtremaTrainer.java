package io.extrema.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.extrema.model.nn.GraphScalar;
import io.extrema.model.nn.StochasticDepth;
import io.extrema.model.optim.AdamW;
import io.extrema.model.optim.StepSchedule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ExtreMA training step: EMA-update the target, project the whole image through it, run the K masked views of
 * every image through the online branch as one batch of B·K sequences, BYOL loss, global-norm clip, AdamW.
 *
 * <p>Randomness (masks, drop-path) of attempt {@code a = applied + skipped − overflows} comes from a generator
 * seeded by {@code (seed, a)}, so a run, and a run resumed from a checkpoint, is reproducible. A step whose input, loss or
 * gradient is not finite changes nothing and is counted: the EMA of step s is applied at most once, so a retried
 * step s does not move the target twice.
 *
 * <p>With {@code precision=fp16} the forward and backward passes run on half-precision copies of the weights
 * ({@link HalfPrecisionStore}) with a {@link LossScale dynamic loss scale}; the weights, AdamW, the EMA, the loss
 * and the gradient norm stay fp32. A step whose fp16 gradients overflow is skipped like any non-finite one, and
 * halves the scale; it is not counted as an attempt, so the same batch stepped again draws the same masks and
 * gives exactly the step it would have given at the lower scale.
 */
public final class ExtremaTrainer implements AutoCloseable {

    private final ExtremaModel model;
    private final ExtremaConfig config;
    private final AdamW optimizer;
    private final MaskSampler sampler;
    private long step;
    private long skipped;
    private long emaAppliedFor = -1;
    private LossScale lossScale = LossScale.initial();

    public ExtremaTrainer(ExtremaModel model) {
        this.model = model;
        this.config = model.config();
        this.sampler = MaskSampler.of(config);
        this.optimizer =
                new AdamW(model.manager(), config.beta1(), config.beta2(), config.adamEps(), config.weightDecay());
        for (Map.Entry<String, Parameter> e : model.trainableParameters().entrySet()) {
            double lrScale = e.getKey().startsWith("predictor.") ? config.predictorLrScale() : 1.0;
            optimizer.add(e.getKey(), e.getValue(), ExtremaModel.decays(e.getKey(), e.getValue()), lrScale);
        }
    }

    /** A new model on the best device and its trainer; closing the trainer closes the model. */
    public static ExtremaTrainer create(ExtremaConfig config) {
        return new ExtremaTrainer(ExtremaModel.create(config));
    }

    public ExtremaModel model() {
        return model;
    }

    public ExtremaConfig config() {
        return config;
    }

    /** Optimiser updates applied so far (the step counter of every schedule). */
    public long appliedSteps() {
        return step;
    }

    public long skippedSteps() {
        return skipped;
    }

    /** Of the skipped steps, those whose fp16 gradients overflowed (0 in fp32). */
    public long overflowSteps() {
        return lossScale.overflows();
    }

    /** The dynamic loss scale of fp16 steps (1 in fp32: nothing is scaled). */
    public double lossScale() {
        return config.halfPrecision() ? lossScale.value() : 1;
    }

    /** As {@link #step(NDArray, NDArray)} from CHW float arrays of {@code batch} images each. */
    public StepResult step(float[] online, float[] target, int batch) {
        int side = config.imageSize();
        Shape shape = new Shape(batch, 3, side, side);
        try (NDManager scope = model.manager().newSubManager()) {
            return step(scope.create(online, shape), scope.create(target, shape));
        }
    }

    /**
     * One training step.
     *
     * @param onlineImages [B, 3, H, W] float32, normalised; masked inside the step. Read, never changed or closed;
     *     on another device it is copied to the model's, at the start of the step (on this thread)
     * @param targetImages [B, 3, H, W] float32, normalised; the same crop, independently colour-augmented
     */
    public StepResult step(NDArray onlineImages, NDArray targetImages) {
        long started = System.nanoTime();
        Shape shape = onlineImages.getShape();
        Shape expected = new Shape(shape.get(0), 3, config.imageSize(), config.imageSize());
        if (!shape.equals(expected) || !targetImages.getShape().equals(expected)) {
            throw new IllegalArgumentException(
                    "expected two batches of " + expected + ", got " + shape + " and " + targetImages.getShape());
        }
        int batch = (int) shape.get(0);
        int views = config.numMasks();
        double lr = StepSchedule.learningRate(config, step);
        double momentum = StepSchedule.emaMomentum(config, step);
        SplittableRandom random = new SplittableRandom(Seeds.derive(config.seed(), attempt()));
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray online = onDevice(onlineImages, scope);
            NDArray target = onDevice(targetImages, scope);
            if (!finite(online) || !finite(target)) {
                return skip(started, lr, momentum, Double.NaN, Double.NaN, null);
            }
            if (emaAppliedFor != step) {
                model.updateTarget(momentum); // before the target's forward, as in the paper
                emaAppliedFor = step;
            }
            boolean half = config.halfPrecision();
            HalfPrecisionStore halves = half ? new HalfPrecisionStore(model, scope) : null;
            ParameterStore ps = half ? halves : model.parameterStore();
            if (half) {
                online = TorchTypes.cast(online, DataType.FLOAT16);
                target = TorchTypes.cast(target, DataType.FLOAT16);
            }
            NDArray z = TorchTypes.cast(
                            model.target().project(ps, target, null, 1, StochasticDepth.none(), false),
                            DataType.FLOAT32) // [B, P]; no gradient flows into the target
                    .normalize(2, -1);
            NDArray keep = sampler.sampleArray(scope, batch, random); // [B, K·n]
            StochasticDepth depth = StochasticDepth.linear(config.dropPath(), config.depth(), random.split());
            double scale = half ? lossScale.value() : 1;
            NDArray loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray q = model.online().project(ps, online, keep, views, depth, true); // [B·K, P]
                NDArray p = TorchTypes.upcast(model.predictor().forward(ps, q, true)) // the loss in fp32
                        .normalize(2, -1); // [B·K, P]
                NDArray cos = p.mul(z.repeat(0, views)).sum(new int[] {1}); // [B·K], image-major like the views
                loss = cos.mul(GraphScalar.of(cos, -2)).add(2).mean(); // mean over views and images of ‖p − z‖²
                collector.backward(half ? loss.mul(GraphScalar.of(loss, (float) scale)) : loss);
            }
            NDArray gradient = half // [T], unscaled fp32
                    ? TorchTypes.cast(optimizer.flatGradients(scope, halves::gradient), DataType.FLOAT32)
                            .muli(1 / scale)
                    : optimizer.flatGradients(scope);
            float[] stats =
                    NDArrays.stack(new NDList(loss, gradient.square().sum())).toFloatArray();
            float[][] projections = Rows.split(z.toFloatArray(), batch); // z: [B, P] → B rows, for the caller too
            double lossValue = stats[0];
            double gradNorm = Math.sqrt(stats[1]);
            if (!Double.isFinite(lossValue) || !Double.isFinite(gradNorm)) {
                if (half && Double.isFinite(lossValue)) {
                    lossScale.overflowed();
                }
                optimizer.zeroGradients();
                return skip(started, lr, momentum, lossValue, gradNorm, projections);
            }
            if (half) {
                lossScale.applied();
            }
            optimizer.step(gradient, lr, config.clipScale(gradNorm));
            optimizer.zeroGradients();
            return new StepResult(
                    step++,
                    lossValue,
                    lr,
                    momentum,
                    gradNorm,
                    false,
                    skipped,
                    EmbeddingSpread.spread(projections),
                    projections,
                    (System.nanoTime() - started) / 1e6);
        }
    }

    /** The counter the step's randomness derives from: overflows are retried as the same attempt. */
    private long attempt() {
        return step + skipped - lossScale.overflows();
    }

    private StepResult skip(
            long started, double lr, double momentum, double loss, double gradNorm, float[][] projections) {
        skipped++;
        return new StepResult(
                step,
                loss,
                lr,
                momentum,
                gradNorm,
                true,
                skipped,
                Double.NaN,
                projections,
                (System.nanoTime() - started) / 1e6);
    }

    /**
     * The images on the model's device, as an array of the step's scope (so everything computed from it is freed
     * with the scope). Images already there, as the trainer's batch feed stages them, are not copied: a view of the
     * caller's array, which stays the caller's.
     */
    private NDArray onDevice(NDArray images, NDManager scope) {
        NDArray staged = images.getDevice().equals(model.device())
                ? images.reshape(images.getShape())
                : images.toDevice(model.device(), false);
        staged.attach(scope);
        return staged;
    }

    private static boolean finite(NDArray x) {
        return !x.isNaN().logicalOr(x.isInfinite()).any().getBoolean();
    }

    // --- state for Checkpoint ---

    AdamW optimizer() {
        return optimizer;
    }

    Map<String, String> counters() {
        Map<String, String> counters = new LinkedHashMap<>(lossScale.counters());
        counters.putAll(Map.of(
                "step",
                Long.toString(step),
                "skipped",
                Long.toString(skipped),
                "emaAppliedFor",
                Long.toString(emaAppliedFor),
                "adamUpdates",
                Long.toString(optimizer.updates()),
                "rng",
                "SplittableRandom(" + Seeds.formula("step+skipped-overflows") + ")"));
        return counters;
    }

    void restoreCounters(Map<String, String> state) {
        step = Long.parseLong(state.get("step"));
        skipped = Long.parseLong(state.get("skipped"));
        emaAppliedFor = Long.parseLong(state.get("emaAppliedFor"));
        optimizer.setUpdates(Long.parseLong(state.get("adamUpdates")));
        lossScale = LossScale.restore(state);
    }

    @Override
    public void close() {
        model.close();
    }
}
