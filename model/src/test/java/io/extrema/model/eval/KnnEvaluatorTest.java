package io.extrema.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KnnEvaluatorTest {

    /** Points on the unit sphere around one random direction per class, with noise of the given size. */
    static float[][] clusters(int n, int d, int classes, double noise, int[] labelsOut, long seed) {
        SplittableRandom centreRng = new SplittableRandom(99);
        float[][] centres = new float[classes][d];
        for (float[] c : centres) for (int j = 0; j < d; j++) c[j] = (float) centreRng.nextGaussian();
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] x = new float[n][d];
        for (int i = 0; i < n; i++) {
            int label = i % classes;
            labelsOut[i] = label;
            for (int j = 0; j < d; j++) x[i][j] = (float) (centres[label][j] + noise * rng.nextGaussian());
        }
        return x;
    }

    @Test
    void separableClustersAreClassifiedPerfectly() {
        int[] trainY = new int[600];
        int[] testY = new int[200];
        float[][] train = clusters(600, 16, 5, 0.1, trainY, 1);
        float[][] test = clusters(200, 16, 5, 0.1, testY, 2);
        ClassificationResult r = KnnEvaluator.standard().evaluate(train, trainY, test, testY);
        assertEquals(1.0, r.accuracy(), 1e-9);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, r.perClassAccuracy(), 1e-9);
    }

    @Test
    void randomLabelsGiveChanceAccuracy() {
        int[] trainY = new int[2000];
        int[] testY = new int[1000];
        float[][] train = clusters(2000, 8, 10, 5.0, trainY, 3);
        float[][] test = clusters(1000, 8, 10, 5.0, testY, 4);
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < trainY.length; i++) trainY[i] = rng.nextInt(10);
        double acc =
                KnnEvaluator.standard().evaluate(train, trainY, test, testY).accuracy();
        assertTrue(acc > 0.05 && acc < 0.16, "chance is 0.10, got " + acc);
    }

    @Test
    void votesAreWeightedBySimilarity() {
        // k = 3: two far neighbours of class 1 and one near neighbour of class 0. With T = 0.07 the near one wins;
        // with a huge temperature the weights are nearly equal and the majority wins.
        float[][] train = {{1, 0}, {0.2f, 1}, {0.2f, -1}};
        int[] trainY = {0, 1, 1};
        float[][] test = {{1, 0.01f}};
        assertEquals(0, new KnnEvaluator(3, 0.07).predict(train, trainY, test, 2)[0]);
        assertEquals(1, new KnnEvaluator(3, 1000).predict(train, trainY, test, 2)[0]);
    }

    @Test
    void similarityIsCosineSoScaleDoesNotMatter() {
        int[] trainY = new int[300];
        int[] testY = new int[100];
        float[][] train = clusters(300, 12, 3, 1.0, trainY, 6);
        float[][] test = clusters(100, 12, 3, 1.0, testY, 7);
        int[] before = KnnEvaluator.standard().predict(train, trainY, test, 3);
        for (int i = 0; i < train.length; i++) for (int j = 0; j < 12; j++) train[i][j] *= (1 + i % 7);
        assertArrayEquals(before, KnnEvaluator.standard().predict(train, trainY, test, 3));
    }

    @Test
    void rawPixelBaselineCentresWithTheTrainingMean() {
        // Classes differ only by a small offset on top of a large shared brightness: without centring every
        // vector points the same way and cosine k-NN is near chance; centred it is perfect.
        int[] trainY = new int[400];
        int[] testY = new int[100];
        float[][] train = clusters(400, 10, 4, 0.05, trainY, 8);
        float[][] test = clusters(100, 10, 4, 0.05, testY, 9);
        for (float[][] set : new float[][][] {train, test})
            for (float[] r : set) for (int j = 0; j < 10; j++) r[j] = 100 + 0.01f * r[j];
        double centred = new RawPixelBaseline(KnnEvaluator.standard())
                .evaluate(train, trainY, test, testY)
                .accuracy();
        assertEquals(1.0, centred, 1e-9);
    }
}
