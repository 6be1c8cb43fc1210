package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingSpreadTest {

  @Test
  void orthogonalEmbeddingsHaveFullRankAndIdenticalOnesRankOne() {
    float[][] basis = new float[16][32];
    float[][] same = new float[16][32];
    for (int i = 0; i < 16; i++) {
      basis[i][i] = 3f;
      same[i][5] = 2f;
      same[i][7] = -1f;
    }
    assertEquals(16.0, EmbeddingSpread.effectiveRank(basis), 1e-6);
    assertEquals(1.0, EmbeddingSpread.effectiveRank(same), 1e-3);
    assertEquals(0.0, EmbeddingSpread.normalisedStd(same), 1e-9);
  }

  @Test
  void randomEmbeddingsAreSpreadAndHalfRankDataIsHalfRank() {
    Random r = new Random(1);
    float[][] random = new float[64][32];
    float[][] half = new float[64][32];
    for (int i = 0; i < 64; i++) {
      for (int k = 0; k < 32; k++) {
        random[i][k] = (float) r.nextGaussian();
        half[i][k] = k < 8 ? (float) r.nextGaussian() : 0f;
      }
    }
    double healthy = 1 / Math.sqrt(32);
    assertTrue(Math.abs(EmbeddingSpread.normalisedStd(random) - healthy) < 0.2 * healthy);
    double full = EmbeddingSpread.effectiveRank(random);
    double quarter = EmbeddingSpread.effectiveRank(half);
    assertTrue(full > 24 && full <= 32, "rank " + full);
    assertTrue(quarter > 6 && quarter <= 8, "rank " + quarter);
  }
}
