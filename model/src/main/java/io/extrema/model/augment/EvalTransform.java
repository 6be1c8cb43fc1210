package io.extrema.model.augment;

import io.extrema.images.DecodedImage;

/**
 * Deterministic preprocessing for evaluation and serving: resize so the shorter side is {@code resizeTo}
 * (bilinear), take the centred {@code cropSize} square, normalise.
 *
 * @param resizeTo      shorter side after resizing
 * @param cropSize      output side, at most resizeTo
 * @param normalisation channel mean and std
 */
public record EvalTransform(int resizeTo, int cropSize, Normalisation normalisation) {

    public EvalTransform {
        if (cropSize < 1 || resizeTo < cropSize) {
            throw new IllegalArgumentException("need 1 <= cropSize <= resizeTo: " + cropSize + ", " + resizeTo);
        }
    }

    /** Whole image resized to size x size after a centre square crop: for images already near the model size. */
    public static EvalTransform whole(int size, Normalisation normalisation) {
        return new EvalTransform(size, size, normalisation);
    }

    /** The ImageNet convention: resize to size / 0.875 (256 for 224), centre crop size. */
    public static EvalTransform imagenet(int size, Normalisation normalisation) {
        return new EvalTransform((int) Math.round(size / 0.875), size, normalisation);
    }

    /** @return float[3 * cropSize * cropSize] CHW, normalised */
    public float[] apply(DecodedImage image) {
        int width = image.width();
        int height = image.height();
        // The crop in source pixels that maps onto the centred cropSize square of the resized image.
        double scale = (double) Math.min(width, height) / resizeTo;
        int w = Math.max(1, Math.min(width, (int) Math.round(cropSize * scale)));
        int h = Math.max(1, Math.min(height, (int) Math.round(cropSize * scale)));
        CropBox box = new CropBox((width - w) / 2, (height - h) / 2, w, h);
        float[] out = Resampler.resize(image, box, cropSize, cropSize, false);
        normalisation.apply(out, cropSize * cropSize);
        return out;
    }
}
