package io.extrema.model;

import java.util.Arrays;

/** Row operations on embedding and feature matrices held as one {@code float[]} per sample. */
public final class Rows {

  private Rows() {
  }

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
}
