package io.extrema.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    @Test
    void separableClassesAreLearnedAndTheWeightDecayIsChosenFromTheCandidates() {
        int[] trainY = new int[1000];
        int[] testY = new int[300];
        float[][] train = KnnEvaluatorTest.clusters(1000, 20, 5, 0.3, trainY, 1);
        float[][] test = KnnEvaluatorTest.clusters(300, 20, 5, 0.3, testY, 2);
        LinearProbe.Result r = new LinearProbe(LinearProbe.Settings.defaults()).evaluate(train, trainY, test, testY);
        assertTrue(r.test().accuracy() > 0.98, "accuracy " + r.test().accuracy());
        assertTrue(List.of(0.0, 1e-4, 1e-3).contains(r.weightDecay()));
        assertEquals(3, r.holdoutAccuracy().length);
    }

    @Test
    void aLinearBoundaryThatKnnFindsHardIsFoundByTheProbe() {
        // Label = sign of the first coordinate; the other 30 dimensions are large noise. Cosine k-NN is dominated
        // by the noise, a linear classifier reads the one informative axis.
        java.util.SplittableRandom rng = new java.util.SplittableRandom(4);
        int d = 31;
        float[][] train = new float[2000][d];
        int[] trainY = new int[2000];
        float[][] test = new float[500][d];
        int[] testY = new int[500];
        for (float[][] set : new float[][][] {train, test}) {
            int[] y = set == train ? trainY : testY;
            for (int i = 0; i < set.length; i++) {
                for (int j = 1; j < d; j++) set[i][j] = (float) (3 * rng.nextGaussian());
                y[i] = rng.nextInt(2);
                set[i][0] = (float) ((y[i] == 1 ? 1 : -1) * (0.5 + rng.nextDouble()));
            }
        }
        double probe = new LinearProbe(LinearProbe.Settings.defaults())
                .evaluate(train, trainY, test, testY)
                .test()
                .accuracy();
        double knn =
                KnnEvaluator.standard().evaluate(train, trainY, test, testY).accuracy();
        assertTrue(probe > 0.97, "probe " + probe);
        assertTrue(knn < 0.8, "knn " + knn);
    }
}
