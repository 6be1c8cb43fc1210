package io.extrema.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guards the CPU recipe against regressions in learning: a fixed number of steps on the shipped CIFAR-10 subset
 * (2,000 train images without labels; k-NN bank = the same 2,000 with labels, 500 test images), then k-NN on the
 * test images must beat the same network's random init, measured in the same run, by a margin set from
 * measurements (docs/bench/learning.md). A step count, not a time budget, so the amount of learning does not depend
 * on how loaded the machine is.
 */
class LearningGuardTest {

    // Set from measured runs of this exact configuration (docs/bench/learning.md, "Guard against the same run's
    // random init"), headline k-NN from random init to 50 and 500 steps: 28.8 % -> 27.6 % and 31.8 % with the test's
    // seeds (1), 25.8 -> 25.4
    // and 31.4 % with seed 2, 30.2 -> 29.4 and 33.8 % with seed 3 (raw pixels 30.4 %). At 50 steps every seed is
    // still in the early dip below its own random init, so the guard runs 500 steps, where the gain over random
    // init measured +3.0, +5.6 and +3.6 points. The run is deterministic for its seeds (three runs, the same
    // figures to the last digit), so the margin is there for other machines, whose numerics move a run about as
    // another seed would: 1 point, 2 below the lowest gain measured. A pipeline that stops learning, or learns
    // less, ends near or below random init. The projection spread guards the heads: with the batch-statistics
    // heads it averaged 0.91 over the 500 steps (0.92-0.93 over steps 450-500 on all three seeds), where the
    // LayerNorm heads they replaced were down to 0.46 over the first 50.
    static final long STEPS = 500;
    static final String FEATURE = FeatureKind.HEADLINE;
    static final double MIN_GAIN_OVER_RANDOM_INIT = 0.01;
    static final double MIN_PROJECTION_SPREAD = 0.65;
    static final double MIN_FEATURE_STD = 0.05;

    static Path resource(String name) throws Exception {
        return Path.of(
                LearningGuardTest.class.getResource("/cifar10-subset/" + name).toURI());
    }

    @Test
    void aShortRunOnTheShippedSubsetLearnsFeaturesBetterThanItsRandomInit() throws Exception {
        LabelledImages train = LabelledImages.load(resource("train.tar.gz"));
        LabelledImages test = LabelledImages.load(resource("test.tar.gz"));
        assertEquals(2000, train.size());
        assertEquals(500, test.size());
        ExtremaConfig model = ExtremaConfig.cifarTiny();
        // The time budget only caps a stuck run: on a loaded machine 500 steps take several minutes.
        LearningRun.Settings settings = new LearningRun.Settings(
                model,
                AugmentationConfig.of(model),
                Duration.ofMinutes(60),
                STEPS,
                Duration.ofMinutes(60),
                0,
                1,
                2 * model.batchSize(),
                false,
                true,
                1);
        EvalBank bank = EvalBank.of(train, test, EvalTransform.whole(model.imageSize(), Normalisation.IMAGENET));
        // The module's tests run libtorch on one thread (their networks are tiny); this one trains the real preset,
        // which on every core of a 2-core machine takes 409 s instead of 715. Test classes run one at a time.
        Engine.getEngine("PyTorch"); // loads libtorch, which JniUtils calls into
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(Runtime.getRuntime().availableProcessors());
        List<CurvePoint> curve;
        try {
            curve = new LearningRun(settings).run(train.withoutLabels(), bank, p -> System.out.println(p));
        } finally {
            JniUtils.setNumThreads(threads);
        }

        assertEquals(2, curve.size(), "a point at step 0 and one at the end");
        CurvePoint start = curve.get(0);
        CurvePoint end = curve.get(1);
        assertEquals(STEPS, end.step());
        assertEquals(0, end.skipped(), "no step may be skipped on clean images");
        assertTrue(Double.isFinite(end.loss()));
        assertTrue(end.featureStd() > MIN_FEATURE_STD, "collapsed: std*sqrt(d) " + end.featureStd());
        assertTrue(
                end.spread() > MIN_PROJECTION_SPREAD,
                "target projections drifting together: spread " + end.spread()
                        + " (LayerNorm heads measured 0.46 at step 50)");
        double randomInit = start.knn().get(FEATURE);
        double knn = end.knn().get(FEATURE);
        assertTrue(
                knn >= randomInit + MIN_GAIN_OVER_RANDOM_INIT,
                "k-NN " + knn + " after " + STEPS
                        + " steps, random init of the same network " + randomInit + ": less than "
                        + MIN_GAIN_OVER_RANDOM_INIT + " better");
    }

    @Test
    void theTestSplitCannotBeUsedForTraining() throws Exception {
        LabelledImages test = LabelledImages.load(resource("test.tar.gz"));
        ExtremaConfig model = ExtremaConfig.cifarTiny();
        LearningRun.Settings settings = new LearningRun.Settings(
                model,
                AugmentationConfig.of(model),
                Duration.ofSeconds(1),
                1,
                Duration.ofSeconds(1),
                0,
                1,
                8,
                false,
                true,
                1);
        EvalBank bank = EvalBank.of(test, test, EvalTransform.whole(model.imageSize(), Normalisation.IMAGENET));
        assertThrows(
                IllegalArgumentException.class,
                () -> new LearningRun(settings).run(test.withoutLabels(), bank, p -> {}));
    }

    @Test
    void rawPixelBaselineOnTheSubsetIsFarAboveChance() throws Exception {
        LabelledImages train = LabelledImages.load(resource("train.tar.gz"));
        LabelledImages test = LabelledImages.load(resource("test.tar.gz"));
        double acc = EvalBank.rawPixelBaseline(train, test, 32, io.extrema.model.eval.KnnEvaluator.standard())
                .accuracy();
        assertTrue(acc > 0.25 && acc < 0.5, "raw pixels " + acc);
        assertNotEquals(train.classes().size(), 0);
    }
}
