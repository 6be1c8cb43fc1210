package io.extrema.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Weighted k-nearest-neighbour classifier on frozen features, the protocol of DINO (Caron et al. 2021) and of
 * InstDisc before it: features are L2-normalised, similarity is the cosine, the k most similar training samples
 * vote for their label with weight exp(sim / T), and the label with the largest summed weight wins.
 *
 * <p>The similarity matrix is computed in blocks of test rows by libtorch's matmul (through DJL) so that
 * 50,000 x 10,000 similarities take seconds; only the k best of each row come back to the JVM.
 */
public final class KnnEvaluator {

    /** k of DINO's and the brief's protocol. */
    public static final int DEFAULT_K = 20;
    /** Vote temperature of DINO's protocol. */
    public static final double DEFAULT_TEMPERATURE = 0.07;
    // 512 test rows x 50,000 train rows of float32 = 100 MB of similarities in native memory at a time.
    private static final int TEST_BLOCK = 512;

    private final int k;
    private final double temperature;

    public KnnEvaluator(int k, double temperature) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1: " + k);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0: " + temperature);
        this.k = k;
        this.temperature = temperature;
    }

    /** k = 20, T = 0.07. */
    public static KnnEvaluator standard() {
        return new KnnEvaluator(DEFAULT_K, DEFAULT_TEMPERATURE);
    }

    public ClassificationResult evaluate(
            float[][] trainFeatures, int[] trainLabels, float[][] testFeatures, int[] testLabels) {
        int numClasses = ClassificationResult.numClasses(trainLabels, testLabels);
        int[] predicted = predict(trainFeatures, trainLabels, testFeatures, numClasses);
        return ClassificationResult.of(predicted, testLabels, numClasses);
    }

    /** Predicted label of every test row. */
    public int[] predict(float[][] trainFeatures, int[] trainLabels, float[][] testFeatures, int numClasses) {
        if (trainFeatures.length != trainLabels.length) {
            throw new IllegalArgumentException(
                    "train features " + trainFeatures.length + " vs labels " + trainLabels.length);
        }
        int d = FeatureMatrix.width(trainFeatures, testFeatures);
        int nTrain = trainFeatures.length;
        int kk = Math.min(k, nTrain);
        int[] predicted = new int[testFeatures.length];
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray bankT = manager.create(FeatureMatrix.l2NormalisedRows(trainFeatures, d), new Shape(nTrain, d))
                    .transpose(); // [D, Ntrain]
            float[] testRows = FeatureMatrix.l2NormalisedRows(testFeatures, d);
            double[] votes = new double[numClasses];
            for (int start = 0; start < testFeatures.length; start += TEST_BLOCK) {
                int rows = Math.min(TEST_BLOCK, testFeatures.length - start);
                try (NDManager block = manager.newSubManager()) {
                    float[] slice = new float[rows * d];
                    System.arraycopy(testRows, start * d, slice, 0, rows * d);
                    NDArray sims = block.create(slice, new Shape(rows, d)).matMul(bankT); // [rows, Ntrain]
                    NDList top = sims.topK(kk, 1, true, false);
                    float[] topSims = top.get(0).toFloatArray(); // [rows, k]
                    long[] topIdx = top.get(1)
                            .toType(ai.djl.ndarray.types.DataType.INT64, false)
                            .toLongArray();
                    for (int r = 0; r < rows; r++) {
                        java.util.Arrays.fill(votes, 0);
                        for (int j = 0; j < kk; j++) {
                            int n = r * kk + j;
                            votes[trainLabels[(int) topIdx[n]]] += Math.exp(topSims[n] / temperature);
                        }
                        predicted[start + r] = argMax(votes);
                    }
                }
            }
        }
        return predicted;
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
