package io.extrema.model;

/**
 * Collapse diagnostics of a batch of embeddings, from BRIEF §2b. The one definition of the <b>spread</b> used by
 * the trainer's metrics, the learning benchmark and the tests: the mean over the d dimensions of the per-dimension
 * standard deviation of the L2-normalised vectors, times √d. Isotropic vectors give about 1 whatever d (their
 * per-dimension std is about 1/√d), collapsed ones 0. The effective rank is RankMe: exp of the entropy of the
 * normalised singular values; 1 when all vectors are parallel, up to min(n, d) when they fill the space.
 */
public final class EmbeddingSpread {

    private EmbeddingSpread() {}

    /** Spread of the rows: mean per-dimension std of the L2-normalised rows × √d; ≈ 1 healthy, 0 collapsed. */
    public static double spread(float[][] rows) {
        float[][] x = normalised(rows);
        int d = x[0].length;
        double total = 0;
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (float[] r : x) {
                mean += r[j];
            }
            mean /= x.length;
            double var = 0;
            for (float[] r : x) {
                var += (r[j] - mean) * (r[j] - mean);
            }
            total += Math.sqrt(var / x.length);
        }
        return total / d * Math.sqrt(d);
    }

    /** RankMe effective rank of the L2-normalised rows, from the eigenvalues of their Gram matrix. */
    public static double effectiveRank(float[][] rows) {
        float[][] x = normalised(rows);
        int n = x.length;
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int k = 0; k < x[i].length; k++) {
                    s += (double) x[i][k] * x[j][k];
                }
                gram[i][j] = s;
                gram[j][i] = s;
            }
        }
        double[] eigen = symmetricEigenvalues(gram);
        double sum = 0;
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            sigma[i] = Math.sqrt(Math.max(0, eigen[i]));
            sum += sigma[i];
        }
        double entropy = 0;
        for (double s : sigma) {
            double p = s / sum + 1e-12;
            entropy -= p * Math.log(p);
        }
        return Math.exp(entropy);
    }

    private static float[][] normalised(float[][] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("no embeddings");
        }
        float[][] x = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            x[i] = Rows.normalised(rows[i]);
        }
        return x;
    }

    /** Cyclic Jacobi rotations; fine for the few hundred rows of a diagnostic batch. */
    private static double[] symmetricEigenvalues(double[][] a) {
        int n = a.length;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-20) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] eigen = new double[n];
        for (int i = 0; i < n; i++) {
            eigen[i] = a[i][i];
        }
        return eigen;
    }
}
