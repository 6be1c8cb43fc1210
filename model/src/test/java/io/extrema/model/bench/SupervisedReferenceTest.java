package io.extrema.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The supervised reference learns from the labels, through the run's own feed, clock and k-NN. */
class SupervisedReferenceTest {

    @Test
    void labelsLiftTheScoredFeatureFarAboveTheRandomInitWithinAFewSteps() throws Exception {
        LabelledImages train = LabelledImages.load(LearningGuardTest.resource("train.tar.gz"));
        LabelledImages test = LabelledImages.load(LearningGuardTest.resource("test.tar.gz"));
        ExtremaConfig model = ExtremaConfig.cifarTiny().with("baseLr", Double.toString(SupervisedReference.BASE_LR));
        LearningRun.Settings settings = new LearningRun.Settings(
                model,
                AugmentationConfig.of(model).withoutColour(),
                Duration.ofMinutes(30), // only caps a stuck run
                STEPS,
                Duration.ofMinutes(30),
                0,
                1,
                2 * model.batchSize(),
                false,
                true,
                1);
        EvalBank bank = EvalBank.of(train, test, EvalTransform.whole(model.imageSize(), Normalisation.IMAGENET));
        List<CurvePoint> curve = new LearningRun(
                        settings,
                        config -> new SupervisedReference(
                                config, train.labels(), train.classes().size()))
                .run(train.withoutLabels(), bank, p -> System.out.println(p));

        assertEquals(2, curve.size());
        CurvePoint start = curve.get(0);
        CurvePoint end = curve.get(1);
        assertEquals(STEPS, end.step());
        assertTrue(end.loss() < Math.log(10) - 0.1, "cross-entropy " + end.loss() + " not below chance's ln 10");
        double gain = end.knn().get(FeatureKind.HEADLINE) - start.knn().get(FeatureKind.HEADLINE);
        assertTrue(gain > MIN_GAIN, "k-NN gain over random init " + gain);
    }

    // Measured on the shipped subset: cross-entropy 2.07 over the 100 steps (chance ln 10 = 2.30), headline k-NN
    // 28.8 % -> 33.0 %. Labels that do not reach the loss, or reach it misaligned with the images, leave it at
    // chance and the feature near its random init.
    static final long STEPS = 100;
    static final double MIN_GAIN = 0.02;
}
