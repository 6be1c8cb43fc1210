package io.extrema.model.eval;

/**
 * The raw-pixel reference of the learning benchmark: pixel vectors mean-centred per dimension with the mean of the
 * training set (never the test set), then the same weighted k-NN as learned features. Any representation worth
 * learning must beat it.
 */
public final class RawPixelBaseline {

    private final KnnEvaluator knn;

    public RawPixelBaseline(KnnEvaluator knn) {
        this.knn = knn;
    }

    public ClassificationResult evaluate(
            float[][] trainPixels, int[] trainLabels, float[][] testPixels, int[] testLabels) {
        double[] mean = FeatureMatrix.columnMeans(trainPixels, FeatureMatrix.width(trainPixels, testPixels));
        return knn.evaluate(
                FeatureMatrix.centred(trainPixels, mean),
                trainLabels,
                FeatureMatrix.centred(testPixels, mean),
                testLabels);
    }
}
