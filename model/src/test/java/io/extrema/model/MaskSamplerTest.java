package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaskSamplerTest {

    @Test
    void disjointViewsOfTheRightSizeWhenTheyFit() {
        MaskSampler sampler = new MaskSampler(64, 16, 4); // r = 0.75, K = 4: K·(1−r) = 1
        int[][][] masks = sampler.sample(8, new SplittableRandom(1));
        for (int[][] image : masks) {
            Set<Integer> seen = new HashSet<>();
            for (int[] view : image) {
                assertEquals(16, view.length);
                for (int index : view) {
                    assertTrue(index >= 0 && index < 64);
                    assertTrue(seen.add(index), "views of one image overlap at " + index);
                }
            }
            assertEquals(64, seen.size());
        }
    }

    @Test
    void sparserMasksStayDisjoint() {
        MaskSampler sampler = new MaskSampler(64, 8, 8); // 8 × 87.5 %
        int[][][] masks = sampler.sample(4, new SplittableRandom(2));
        Set<Integer> seen = new HashSet<>();
        for (int[] view : masks[0]) {
            for (int index : view) {
                assertTrue(seen.add(index));
            }
        }
    }

    @Test
    void independentViewsWhenTheyCannotBeDisjoint() {
        MaskSampler sampler = new MaskSampler(64, 32, 4); // r = 0.5, K = 4: K·(1−r) = 2
        int[][][] masks = sampler.sample(4, new SplittableRandom(3));
        for (int[] view : masks[0]) {
            assertEquals(32, view.length);
            assertEquals(32, java.util.Arrays.stream(view).distinct().count());
        }
    }

    @Test
    void reproducibleFromASeedAndDifferentAcrossSeeds() {
        MaskSampler sampler = new MaskSampler(64, 16, 4);
        int[][][] a = sampler.sample(4, new SplittableRandom(7));
        int[][][] b = sampler.sample(4, new SplittableRandom(7));
        int[][][] c = sampler.sample(4, new SplittableRandom(8));
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < 4; k++) {
                assertArrayEquals(a[i][k], b[i][k]);
            }
        }
        assertFalse(java.util.Arrays.deepEquals(a, c));
    }

    @Test
    void configDecidesKeptTokens() {
        ExtremaConfig c = ExtremaConfig.cifarTiny();
        assertEquals(64, c.numPatches());
        assertEquals(16, c.keptTokens());
        // The preset's K = 4 views of 16 tokens are disjoint slices of the 64 patches.
        int[][] views = MaskSampler.of(c).sample(1, new SplittableRandom(4))[0];
        assertEquals(
                64,
                java.util.Arrays.stream(views)
                        .flatMapToInt(java.util.Arrays::stream)
                        .distinct()
                        .count());
        assertEquals(c, ExtremaConfig.fromMap(c.toMap()));
    }
}
