package io.extrema.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which patch tokens each of the K online views keeps.
 *
 * <p>When {@code K·keep ≤ N} (i.e. {@code K·(1−r) ≤ 1}) the views are <b>disjoint</b>, as in the paper: one random
 * permutation of the N patches per image, cut into K consecutive slices of {@code keep} tokens. Otherwise each view
 * draws its own random subset independently (views may overlap). Indices within a view are sorted ascending.
 * All randomness comes from the generator passed in, so masks are reproducible from a seed.
 */
public final class MaskSampler {

    private final int numPatches;
    private final int keep;
    private final int views;
    private final boolean disjoint; // the one place that decides: K·keep ≤ N

    public MaskSampler(int numPatches, int keep, int views) {
        if (keep < 1 || keep > numPatches || views < 1) {
            throw new IllegalArgumentException("need 1 <= keep <= numPatches and views >= 1");
        }
        this.numPatches = numPatches;
        this.keep = keep;
        this.views = views;
        this.disjoint = (long) views * keep <= numPatches;
    }

    public static MaskSampler of(ExtremaConfig config) {
        return new MaskSampler(config.numPatches(), config.keptTokens(), config.numMasks());
    }

    /** Kept indices [batch][K][keep]. */
    public int[][][] sample(int batch, SplittableRandom random) {
        int[][][] masks = new int[batch][views][];
        int[] perm = new int[numPatches];
        for (int b = 0; b < batch; b++) {
            shuffle(perm, random);
            for (int k = 0; k < views; k++) {
                if (disjoint) {
                    masks[b][k] = Arrays.copyOfRange(perm, k * keep, (k + 1) * keep);
                } else {
                    if (k > 0) {
                        shuffle(perm, random);
                    }
                    masks[b][k] = Arrays.copyOf(perm, keep);
                }
                Arrays.sort(masks[b][k]);
            }
        }
        return masks;
    }

    /** The same masks as one int64 tensor [B, K·keep] for a gather (view k of image b at columns k·keep...). */
    public NDArray sampleArray(NDManager manager, int batch, SplittableRandom random) {
        int[][][] masks = sample(batch, random);
        long[] flat = new long[batch * views * keep];
        int i = 0;
        for (int[][] image : masks) {
            for (int[] view : image) {
                for (int index : view) {
                    flat[i++] = index;
                }
            }
        }
        return manager.create(flat, new Shape(batch, (long) views * keep));
    }

    private void shuffle(int[] perm, SplittableRandom random) {
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        for (int i = perm.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
    }
}
