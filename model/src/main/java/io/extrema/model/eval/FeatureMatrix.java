package io.extrema.model.eval;

import io.extrema.model.Rows;

/** Row operations on feature matrices (one float[] per sample) shared by the evaluators. */
final class FeatureMatrix {

    private FeatureMatrix() {}

    /** Checks that every row has the same, non-zero width and returns it. */
    static int width(float[][] a, float[][] b) {
        if (a.length == 0) throw new IllegalArgumentException("empty feature matrix");
        int d = a[0].length;
        if (d == 0) throw new IllegalArgumentException("zero-width features");
        for (float[] r : a)
            if (r.length != d) throw new IllegalArgumentException("ragged features: " + r.length + " vs " + d);
        for (float[] r : b)
            if (r.length != d) throw new IllegalArgumentException("ragged features: " + r.length + " vs " + d);
        return d;
    }

    /** Copies rows into one row-major array, each row scaled to unit L2 norm (an all-zero row stays zero). */
    static float[] l2NormalisedRows(float[][] rows, int d) {
        float[] out = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) System.arraycopy(Rows.normalised(rows[i]), 0, out, i * d, d);
        return out;
    }

    /** Per-dimension mean over the rows. */
    static double[] columnMeans(float[][] rows, int d) {
        double[] mean = new double[d];
        for (float[] r : rows) for (int j = 0; j < d; j++) mean[j] += r[j];
        for (int j = 0; j < d; j++) mean[j] /= rows.length;
        return mean;
    }

    /** New rows with the given per-dimension mean subtracted. */
    static float[][] centred(float[][] rows, double[] mean) {
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            float[] r = rows[i];
            float[] c = new float[r.length];
            for (int j = 0; j < r.length; j++) c[j] = (float) (r[j] - mean[j]);
            out[i] = c;
        }
        return out;
    }
}
