package io.extrema.model.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.extrema.images.DecodedImage;
import org.junit.jupiter.api.Test;

class EvalTransformTest {

    @Test
    void sameSizeImageIsOnlyNormalised() {
        byte[] img = ViewAugmentationTest.gradient(32, 32);
        float[] out = EvalTransform.whole(32, Normalisation.IMAGENET).apply(new DecodedImage(32, 32, img));
        assertEquals(3 * 32 * 32, out.length);
        float[] mean = Normalisation.IMAGENET.mean();
        float[] std = Normalisation.IMAGENET.std();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 1024; i++) {
                float expected = ((img[3 * i + c] & 0xff) / 255f - mean[c]) / std[c];
                assertEquals(expected, out[c * 1024 + i], 1e-5);
            }
        }
    }

    @Test
    void isDeterministicAndTakesTheCentreOfAWideImage() {
        // A wide image whose centre square is uniformly grey 128 and whose sides are black.
        int w = 96;
        int h = 32;
        byte[] img = new byte[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 32; x < 64; x++) for (int c = 0; c < 3; c++) img[3 * (y * w + x) + c] = (byte) 128;
        Normalisation identity = new Normalisation(new float[] {0, 0, 0}, new float[] {1, 1, 1});
        EvalTransform t = EvalTransform.whole(16, identity);
        float[] a = t.apply(new DecodedImage(w, h, img));
        assertArrayEquals(a, t.apply(new DecodedImage(w, h, img)));
        for (float v : a) assertEquals(128 / 255f, v, 1e-6);
    }

    @Test
    void imagenetConventionResizesThenCrops() {
        EvalTransform t = EvalTransform.imagenet(224, Normalisation.IMAGENET);
        assertEquals(256, t.resizeTo());
        assertEquals(
                3 * 224 * 224, t.apply(new DecodedImage(300, 400, ViewAugmentationTest.gradient(300, 400))).length);
    }
}
