package io.extrema.model;

import java.util.Arrays;

/**
 * Row operations on embedding, feature and image matrices held as one {@code float[]} per sample: the one place
 * that cuts flat tensors into rows, packs rows into a batch and L2-normalises.
 */
public final class Rows {

    private Rows() {}

    /** Cuts a row-major {@code [n, width]} array (what {@code NDArray.toFloatArray()} gives) into n rows. */
    public static float[][] split(float[] flat, int n) {
        if (n <= 0 || flat.length % n != 0) {
            throw new IllegalArgumentException(flat.length + " values do not make " + n + " rows");
        }
        int width = flat.length / n;
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return rows;
    }

    /** Rows {@code from .. from+n-1}, all of one width, as one row-major {@code [n, width]} array (a batch). */
    public static float[] pack(float[][] rows, int from, int n) {
        int width = rows[from].length;
        float[] flat = new float[n * width];
        for (int i = 0; i < n; i++) {
            float[] row = rows[from + i];
            if (row.length != width) {
                throw new IllegalArgumentException(
                        "row " + (from + i) + " has " + row.length + " values, not " + width);
            }
            System.arraycopy(row, 0, flat, i * width, width);
        }
        return flat;
    }

    /** L2 norm of a whole row, summed in double. */
    public static double norm(float[] row) {
        return norm(row, 0, row.length);
    }

    /** L2 norm of {@code length} values from {@code from} (one token of a flattened {@code [N·D]} row). */
    public static double norm(float[] values, int from, int length) {
        double sq = 0;
        for (int i = from; i < from + length; i++) {
            sq += (double) values[i] * values[i];
        }
        return Math.sqrt(sq);
    }

    /** A unit-length copy of the row; an all-zero row stays zero (it has no direction to keep). */
    public static float[] normalised(float[] row) {
        double norm = norm(row);
        float inv = norm > 0 ? (float) (1 / norm) : 0f;
        float[] unit = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            unit[i] = row[i] * inv;
        }
        return unit;
    }
}
