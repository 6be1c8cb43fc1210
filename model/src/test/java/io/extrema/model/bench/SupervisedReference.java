package io.extrema.model.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.StepResult;
import io.extrema.model.augment.ViewPair;
import io.extrema.model.nn.StochasticDepth;
import io.extrema.model.optim.AdamW;
import io.extrema.model.optim.StepSchedule;
import java.util.List;

/**
 * The supervised reference for the learning curve: the preset's encoder, from the same initialisation, trained with
 * the labels the ExtreMA run never sees (a linear layer over the mean patch token, softmax cross-entropy) by the
 * trainer's AdamW, rate schedule and clip, on the online view of each pair, and scored by the same k-NN on the
 * same feature. What labels buy in the same minutes on the same machine: a yardstick for how far self-supervision
 * can be expected to get at that budget, not a bound in the strict sense.
 */
final class SupervisedReference implements Learner {

    /**
     * The reference's rate, per 256 images (1e-3 at the preset's batch of 64): the usual AdamW rate for a small ViT
     * trained on CIFAR-10 from scratch, four times the self-supervised preset's, which is tuned to BYOL's loss.
     */
    static final double BASE_LR = 4e-3;

    private final ExtremaModel model;
    private final ExtremaConfig config;
    private final Linear classifier;
    private final AdamW optimizer;
    private final int[] labels;
    private final int classes;
    private long step;

    /**
     * @param labels  class of each training image, by its position in the run's image list
     * @param classes number of classes
     */
    SupervisedReference(ExtremaConfig config, int[] labels, int classes) {
        this.model = ExtremaModel.create(config);
        this.config = config;
        this.labels = labels;
        this.classes = classes;
        classifier = Linear.builder().setUnits(classes).build();
        classifier.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        classifier.initialize(model.manager(), DataType.FLOAT32, new Shape(1, config.dim()));
        optimizer = new AdamW(model.manager(), config.beta1(), config.beta2(), config.adamEps(), config.weightDecay());
        // Only what the loss reaches: the encoder and the classifier (the projector and predictor stay untouched).
        for (Pair<String, Parameter> p : model.online().encoder().getParameters()) {
            optimizer.add("encoder." + p.getKey(), p.getValue(), ExtremaModel.decays(p.getKey(), p.getValue()), 1);
        }
        for (Pair<String, Parameter> p : classifier.getParameters()) {
            optimizer.add(
                    "classifier." + p.getKey(),
                    p.getValue(),
                    ExtremaModel.decays("classifier." + p.getKey(), p.getValue()),
                    1);
        }
    }

    @Override
    public ExtremaModel model() {
        return model;
    }

    @Override
    public StepResult step(List<ViewPairFeed.Fed> batch) {
        long started = System.nanoTime();
        int b = batch.size();
        int side = config.imageSize();
        float[] images = ViewPairFeed.Fed.stacked(batch, ViewPair::online);
        float[] oneHot = new float[b * classes];
        for (int i = 0; i < b; i++) oneHot[i * classes + labels[batch.get(i).image()]] = 1;
        double lr = StepSchedule.learningRate(config, step);
        double loss;
        double gradNorm;
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray x = scope.create(images, new Shape(b, 3, side, side));
            NDArray y = scope.create(oneHot, new Shape(b, classes));
            ParameterStore ps = model.parameterStore();
            NDArray crossEntropy;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray features = model.online()
                        .encoder()
                        .forward(ps, x, null, 1, StochasticDepth.none(), true)
                        .tokens()
                        .mean(new int[] {1}); // [B, D]: the mean patch token, the k-NN headline feature
                NDArray logits =
                        classifier.forward(ps, new NDList(features), true).singletonOrThrow(); // [B, C]
                crossEntropy =
                        logits.logSoftmax(1).mul(y).sum(new int[] {1}).mean().neg();
                collector.backward(crossEntropy);
            }
            NDArray gradient = optimizer.flatGradients(scope); // [T]
            float[] stats = NDArrays.stack(
                            new NDList(crossEntropy, gradient.square().sum()))
                    .toFloatArray();
            loss = stats[0];
            gradNorm = Math.sqrt(stats[1]);
            optimizer.step(gradient, lr, config.clipScale(gradNorm));
            optimizer.zeroGradients();
        }
        model.updateTarget(0); // the run scores the target: make it the trained encoder
        return new StepResult(
                step++, loss, lr, 0, gradNorm, false, 0, Double.NaN, null, (System.nanoTime() - started) / 1e6);
    }

    @Override
    public void close() {
        model.close();
    }
}
