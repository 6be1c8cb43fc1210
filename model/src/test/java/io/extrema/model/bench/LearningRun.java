package io.extrema.model.bench;

import io.extrema.model.Embedder;
import io.extrema.model.EmbeddingSpread;
import io.extrema.model.Embeddings;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.StepResult;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.model.eval.KnnEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Trains an ExtreMA model on unlabelled images (or, for reference, a {@link Learner} such as the supervised one) for
 * a wall-clock budget and measures k-NN accuracy of its frozen features every few minutes, the clock paused while
 * it evaluates. The first point, before any step, is the randomly initialised network through the same evaluator.
 * Used by the learning benchmark and, on a small shipped subset, by the regression test.
 */
public final class LearningRun {

    /**
     * @param model        network and optimisation settings
     * @param augmentation view settings (its image size must equal the model's)
     * @param budget       training time, evaluation excluded
     * @param maxSteps     stop after this many steps even within the budget (0: no limit); a step count makes a
     *                     run's amount of learning independent of machine load, as a test needs
     * @param evalEvery    training time between evaluations
     * @param evalEverySteps also evaluate every this many steps (0: by time only); step-spaced points make
     *                     recipes comparable at equal numbers of images seen, whatever the machine's load
     * @param workers      decode + augment threads
     * @param queueCapacity view pairs buffered ahead of the trainer
     * @param evalOnline   also score the online encoder (the target is always scored)
     * @param evalAtStart  score the randomly initialised network before the first step (sweeps that share one
     *                     initialisation may skip it)
     * @param seed         seeds the augmentation workers
     */
    public record Settings(
            ExtremaConfig model,
            AugmentationConfig augmentation,
            Duration budget,
            long maxSteps,
            Duration evalEvery,
            long evalEverySteps,
            int workers,
            int queueCapacity,
            boolean evalOnline,
            boolean evalAtStart,
            long seed) {
        public Settings {
            if (augmentation.imageSize() != model.imageSize()) {
                throw new IllegalArgumentException(
                        "augmentation size " + augmentation.imageSize() + " != model image size " + model.imageSize());
            }
            if (workers < 1 || queueCapacity < 1) throw new IllegalArgumentException("workers and queue must be >= 1");
            if (maxSteps < 0 || evalEverySteps < 0) {
                throw new IllegalArgumentException("maxSteps and evalEverySteps must be >= 0");
            }
        }
    }

    // Eval batches: large enough to keep libtorch's matmuls efficient, small enough for little native memory.
    private static final int EMBED_BATCH = 500;

    private final Settings settings;
    private final Function<ExtremaConfig, Learner> learners;
    private final KnnEvaluator knn = KnnEvaluator.standard();

    /** A run of the method: ExtreMA on the unlabelled images. */
    public LearningRun(Settings settings) {
        this(settings, config -> Learner.extrema(ExtremaTrainer.create(config)));
    }

    /** A run of another learner (the supervised reference) under the same clock, feed and evaluation. */
    LearningRun(Settings settings, Function<ExtremaConfig, Learner> learners) {
        this.settings = settings;
        this.learners = learners;
    }

    public Settings settings() {
        return settings;
    }

    /** Runs to the budget; every point is also given to {@code listener} as soon as it is measured. */
    public List<CurvePoint> run(UnlabelledImages train, EvalBank bank, Consumer<CurvePoint> listener)
            throws InterruptedException, IOException {
        return run(train, bank, listener, Optional.empty());
    }

    /**
     * As {@link #run(UnlabelledImages, EvalBank, Consumer)}, then writes the trained target weights to {@code
     * exportTarget} when given: the archive a model version carries, which {@code extrema train --init FILE}
     * warm-starts from.
     */
    public List<CurvePoint> run(
            UnlabelledImages train, EvalBank bank, Consumer<CurvePoint> listener, Optional<Path> exportTarget)
            throws InterruptedException, IOException {
        // The training images must not come from the split that is scored.
        if (train.source()
                .toAbsolutePath()
                .normalize()
                .equals(bank.testSource().toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("training images come from the test split " + bank.testSource());
        }
        ExtremaConfig cfg = settings.model();
        int b = cfg.batchSize();
        List<CurvePoint> curve = new ArrayList<>();
        try (Learner learner = learners.apply(cfg);
                ViewPairFeed feed = new ViewPairFeed(
                        train,
                        new ViewAugmentation(settings.augmentation()),
                        settings.workers(),
                        settings.queueCapacity(),
                        settings.seed())) {
            ExtremaModel model = learner.model();
            if (settings.evalAtStart())
                emit(curve, listener, evaluate(model, bank, 0, 0, 0, Double.NaN, Double.NaN, 0, Double.NaN));
            long budget = settings.budget().toNanos();
            long every = settings.evalEvery().toNanos();
            long trained = 0;
            long nextEval = every;
            long step = 0;
            double lossSum = 0;
            double spreadSum = 0;
            int lossCount = 0;
            int clipped = 0;
            long skipped = 0;
            long maxSteps = settings.maxSteps() == 0 ? Long.MAX_VALUE : settings.maxSteps();
            while (trained < budget && step < maxSteps) {
                long start = System.nanoTime();
                StepResult r = learner.step(feed.take(b));
                if (r.skipped()) {
                    skipped++;
                } else {
                    lossSum += r.loss();
                    spreadSum += r.embeddingStd();
                    if (cfg.clips(r.gradNorm())) clipped++;
                    lossCount++;
                }
                step++;
                trained += System.nanoTime() - start;
                boolean stepPoint = settings.evalEverySteps() > 0 && step % settings.evalEverySteps() == 0;
                if (trained >= nextEval || stepPoint || trained >= budget || step == maxSteps) {
                    emit(
                            curve,
                            listener,
                            evaluate(
                                    model,
                                    bank,
                                    trained / 60e9,
                                    step,
                                    step * b,
                                    lossCount == 0 ? Double.NaN : lossSum / lossCount,
                                    lossCount == 0 ? Double.NaN : spreadSum / lossCount,
                                    skipped,
                                    lossCount == 0 ? Double.NaN : clipped / (double) lossCount));
                    lossSum = 0;
                    spreadSum = 0;
                    lossCount = 0;
                    clipped = 0;
                    while (nextEval <= trained) nextEval += every;
                }
            }
            if (exportTarget.isPresent()) Files.write(exportTarget.get(), model.exportTarget());
        }
        return curve;
    }

    private static void emit(List<CurvePoint> curve, Consumer<CurvePoint> listener, CurvePoint p) {
        curve.add(p);
        listener.accept(p);
    }

    private CurvePoint evaluate(
            ExtremaModel model,
            EvalBank bank,
            double minutes,
            long step,
            long images,
            double loss,
            double spread,
            long skipped,
            double clipped) {
        Map<String, Double> scores = new LinkedHashMap<>();
        double featureStd = Double.NaN;
        for (boolean useTarget : settings.evalOnline() ? new boolean[] {true, false} : new boolean[] {true}) {
            Embedder embedder = model.embedder(useTarget);
            Map<FeatureKind, float[][]> train = features(embedder, bank.train());
            Map<FeatureKind, float[][]> test = features(embedder, bank.test());
            String encoder = useTarget ? "target" : "online";
            for (FeatureKind kind : FeatureKind.values()) {
                scores.put(
                        encoder + "-" + kind.shortName(),
                        knn.evaluate(train.get(kind), bank.trainLabels(), test.get(kind), bank.testLabels())
                                .accuracy());
            }
            if (useTarget) featureStd = EmbeddingSpread.spread(test.get(FeatureKind.CLASS_TOKEN));
        }
        return new CurvePoint(minutes, step, images, loss, spread, skipped, clipped, scores, featureStd);
    }

    /** Every {@link FeatureKind} of every image, one forward pass per batch. */
    private static Map<FeatureKind, float[][]> features(Embedder embedder, float[][] images) {
        List<float[][]> f = embedder.embedAll(
                images,
                EMBED_BATCH,
                List.of(Embeddings::instance, Embeddings::meanTokens, Embeddings::instanceBeforeNorm));
        Map<FeatureKind, float[][]> out = new EnumMap<>(FeatureKind.class);
        out.put(FeatureKind.CLASS_TOKEN, f.get(0));
        out.put(FeatureKind.MEAN_TOKENS, f.get(1));
        out.put(FeatureKind.CLASS_TOKEN_BEFORE_NORM, f.get(2));
        return out;
    }
}
