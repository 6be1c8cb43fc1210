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
        assertEquals(0.0, EmbeddingSpread.spread(same), 1e-9);
    }

    @Test
    void spreadIsTheNormalisedPerDimensionStdTimesRootD() {
        // The d basis vectors of R^d, at any length: each dimension is 1 in one row of d, so its std is √(d−1)/d
        // and the spread √d · √(d−1)/d = √((d−1)/d), the value docs/learning-speed.md's definition gives.
        int d = 16;
        float[][] basis = new float[d][d];
        for (int i = 0; i < d; i++) {
            basis[i][i] = 0.5f + i;
        }
        assertEquals(Math.sqrt((d - 1.0) / d), EmbeddingSpread.spread(basis), 1e-6);
        // ±e₀: dimension 0 has std 1, the others 0, so the mean std is 1/d and the spread 1/√d.
        float[][] opposite = new float[2][d];
        opposite[0][0] = 2f;
        opposite[1][0] = -3f;
        assertEquals(1 / Math.sqrt(d), EmbeddingSpread.spread(opposite), 1e-6);
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
        assertEquals(1.0, EmbeddingSpread.spread(random), 0.2);
        double full = EmbeddingSpread.effectiveRank(random);
        double quarter = EmbeddingSpread.effectiveRank(half);
        assertTrue(full > 24 && full <= 32, "rank " + full);
        assertTrue(quarter > 6 && quarter <= 8, "rank " + quarter);
    }
}
