package io.extrema.model.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.images.DecodedImage;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ViewAugmentationTest {

    /** A colourful image with structure in both axes: red ramps left to right, green top to bottom. */
    static byte[] gradient(int w, int h) {
        byte[] rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = 3 * (y * w + x);
                rgb[o] = (byte) (255 * x / Math.max(1, w - 1));
                rgb[o + 1] = (byte) (255 * y / Math.max(1, h - 1));
                rgb[o + 2] = (byte) ((x * 7 + y * 13) % 256);
            }
        }
        return rgb;
    }

    @Test
    void viewsHaveTheConfiguredSizeForAnyInputShape() {
        ViewAugmentation aug = new ViewAugmentation(AugmentationConfig.paper(32));
        SplittableRandom rng = new SplittableRandom(1);
        for (int[] wh : new int[][] {{32, 32}, {1, 1}, {500, 20}, {17, 301}, {224, 224}}) {
            ViewPair p = aug.augment(new DecodedImage(wh[0], wh[1], gradient(wh[0], wh[1])), rng);
            assertEquals(3 * 32 * 32, p.online().length);
            assertEquals(3 * 32 * 32, p.target().length);
            for (float v : p.online()) assertTrue(Float.isFinite(v));
            for (float v : p.target()) assertTrue(Float.isFinite(v));
        }
        ViewPair big = new ViewAugmentation(AugmentationConfig.paper(224))
                .augment(new DecodedImage(64, 48, gradient(64, 48)), rng);
        assertEquals(3 * 224 * 224, big.online().length);
    }

    @Test
    void sameSeedGivesTheSamePairAndAnotherSeedAnotherPair() {
        ViewAugmentation aug = new ViewAugmentation(AugmentationConfig.paper(32));
        byte[] img = gradient(40, 36);
        ViewPair a = aug.augment(new DecodedImage(40, 36, img), new SplittableRandom(42));
        ViewPair b = aug.augment(new DecodedImage(40, 36, img), new SplittableRandom(42));
        ViewPair c = aug.augment(new DecodedImage(40, 36, img), new SplittableRandom(43));
        assertArrayEquals(a.online(), b.online());
        assertArrayEquals(a.target(), b.target());
        assertFalse(Arrays.equals(a.online(), c.online()));
    }

    @Test
    void withoutColourAugmentationBothBranchesAreIdenticalSoCropAndFlipAreShared() {
        ViewAugmentation aug = new ViewAugmentation(AugmentationConfig.paper(32).withoutColour());
        byte[] img = gradient(48, 40);
        SplittableRandom rng = new SplittableRandom(7);
        boolean sawDifferentCrops = false;
        float[] first = null;
        for (int i = 0; i < 20; i++) {
            ViewPair p = aug.augment(new DecodedImage(48, 40, img), rng);
            assertArrayEquals(p.online(), p.target());
            if (first == null) first = p.online();
            else sawDifferentCrops |= !Arrays.equals(first, p.online());
        }
        assertTrue(sawDifferentCrops, "crops should vary from call to call");
    }

    @Test
    void colourJitterIsDrawnIndependentlyPerBranch() {
        // Jitter always on, grayscale off: the two branches differ in colour but share geometry.
        AugmentationConfig cfg = AugmentationConfig.paper(32).withColour(1.0, 0.4, 0.4, 0.2, 0.1, 0.0);
        ViewAugmentation aug = new ViewAugmentation(cfg);
        ViewPair p = aug.augment(new DecodedImage(32, 32, gradient(32, 32)), new SplittableRandom(3));
        assertFalse(Arrays.equals(p.online(), p.target()));
    }

    @Test
    void flipIsSharedAndMirrorsTheImage() {
        // Flip always, no crop, no colour: both views equal the mirrored image.
        AugmentationConfig cfg =
                new AugmentationConfig(8, false, 1, 1, 3.0 / 4, 4.0 / 3, 1.0, 0, 0, 0, 0, 0, 0, Normalisation.IMAGENET);
        byte[] img = gradient(8, 8);
        ViewPair p = new ViewAugmentation(cfg).augment(new DecodedImage(8, 8, img), new SplittableRandom(0));
        float[] plain = EvalTransform.whole(8, Normalisation.IMAGENET).apply(new DecodedImage(8, 8, img));
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    assertEquals(plain[c * 64 + y * 8 + (7 - x)], p.online()[c * 64 + y * 8 + x], 1e-6);
                    assertEquals(p.online()[c * 64 + y * 8 + x], p.target()[c * 64 + y * 8 + x], 0);
                }
            }
        }
    }

    @Test
    void grayscaleGivesEqualChannelsBeforeNormalisation() {
        // Identity normalisation so equal channels stay equal.
        AugmentationConfig cfg =
                withoutNormalisation(AugmentationConfig.paper(16).withColour(0.8, 0.4, 0.4, 0.2, 0.1, 1.0));
        ViewPair p =
                new ViewAugmentation(cfg).augment(new DecodedImage(20, 20, gradient(20, 20)), new SplittableRandom(5));
        for (float[] v : new float[][] {p.online(), p.target()}) {
            for (int i = 0; i < 256; i++) {
                assertEquals(v[i], v[256 + i], 1e-6);
                assertEquals(v[i], v[512 + i], 1e-6);
                assertTrue(v[i] >= 0 && v[i] <= 1);
            }
        }
    }

    @Test
    void jitteredValuesStayInTheUnitRangeBeforeNormalisation() {
        AugmentationConfig cfg =
                withoutNormalisation(AugmentationConfig.paper(32).withColour(1.0, 0.9, 0.9, 0.9, 0.5, 0.0));
        ViewAugmentation aug = new ViewAugmentation(cfg);
        SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < 10; i++) {
            ViewPair p = aug.augment(new DecodedImage(32, 32, gradient(32, 32)), rng);
            for (float v : p.online()) assertTrue(v >= 0 && v <= 1, "value " + v);
        }
    }

    @Test
    void hueShiftOfAFullTurnIsTheIdentityAndAThirdTurnRotatesChannels() {
        float[] img = {0.9f, 0.2f, 0.1f}; // one pixel, CHW with plane 1
        float[] full = img.clone();
        ColourJitter.hue(full, 1, 1.0f);
        assertArrayEquals(img, full, 1e-5f);
        float[] third = img.clone();
        ColourJitter.hue(third, 1, 1f / 3);
        // red -> green -> blue: a third of a turn moves R's value to G, G's to B, B's to R.
        assertArrayEquals(new float[] {0.1f, 0.9f, 0.2f}, third, 1e-5f);
    }

    /** The same views with an identity normalisation, so pixel values stay in [0, 1]. */
    private static AugmentationConfig withoutNormalisation(AugmentationConfig c) {
        return new AugmentationConfig(
                c.imageSize(),
                c.crop(),
                c.scaleMin(),
                c.scaleMax(),
                c.ratioMin(),
                c.ratioMax(),
                c.flipProbability(),
                c.jitterProbability(),
                c.brightness(),
                c.contrast(),
                c.saturation(),
                c.hue(),
                c.grayscaleProbability(),
                new Normalisation(new float[] {0, 0, 0}, new float[] {1, 1, 1}));
    }
}
