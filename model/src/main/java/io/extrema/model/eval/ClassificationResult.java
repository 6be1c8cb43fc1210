package io.extrema.model.eval;

import java.util.Arrays;

/**
 * Top-1 accuracy of a classifier on a labelled test set, overall and per class.
 *
 * @param accuracy          fraction of test samples whose predicted label equals the true label
 * @param perClassAccuracy  accuracy restricted to the samples of each class (NaN for a class with no test sample)
 */
public record ClassificationResult(double accuracy, double[] perClassAccuracy) {

    /** Scores predictions against labels; labels are 0..numClasses-1. */
    public static ClassificationResult of(int[] predicted, int[] labels, int numClasses) {
        if (predicted.length != labels.length) {
            throw new IllegalArgumentException("predicted " + predicted.length + " vs labels " + labels.length);
        }
        int[] correct = new int[numClasses];
        int[] total = new int[numClasses];
        int allCorrect = 0;
        for (int i = 0; i < labels.length; i++) {
            total[labels[i]]++;
            if (predicted[i] == labels[i]) {
                correct[labels[i]]++;
                allCorrect++;
            }
        }
        double[] perClass = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            perClass[c] = total[c] == 0 ? Double.NaN : (double) correct[c] / total[c];
        }
        return new ClassificationResult(
                labels.length == 0 ? Double.NaN : (double) allCorrect / labels.length, perClass);
    }

    /** Number of classes: one more than the largest label in either set. */
    static int numClasses(int[] trainLabels, int[] testLabels) {
        int max = -1;
        for (int l : trainLabels) {
            if (l < 0) throw new IllegalArgumentException("negative label " + l);
            max = Math.max(max, l);
        }
        for (int l : testLabels) {
            if (l < 0) throw new IllegalArgumentException("negative label " + l);
            max = Math.max(max, l);
        }
        return max + 1;
    }

    @Override
    public String toString() {
        return String.format("accuracy %.4f per class %s", accuracy, Arrays.toString(perClassAccuracy));
    }
}
