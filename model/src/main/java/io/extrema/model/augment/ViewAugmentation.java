package io.extrema.model.augment;

import io.extrema.images.DecodedImage;
import java.util.random.RandomGenerator;

/**
 * ExtreMA's two views of one image: one random-resized-crop and horizontal flip shared by both branches (the
 * masked online views must describe the same content as the target's whole view), then colour jitter and
 * grayscale drawn independently per branch (so a masked view cannot match the target on colour statistics
 * alone), then normalisation. Stateless and thread-safe; all randomness comes from the generator passed in, so a
 * seeded generator reproduces the pair exactly.
 */
public final class ViewAugmentation {

    private final AugmentationConfig config;

    public ViewAugmentation(AugmentationConfig config) {
        this.config = config;
    }

    public AugmentationConfig config() {
        return config;
    }

    /**
     * @param image any size; a {@link java.util.Random} or {@link java.util.SplittableRandom} works as {@code rng}
     * @return online and target views, each float[3 * size * size] CHW, normalised
     */
    public ViewPair augment(DecodedImage image, RandomGenerator rng) {
        int size = config.imageSize();
        CropBox box = config.crop()
                ? CropBox.randomResized(image.width(), image.height(), config, rng)
                : CropBox.whole(image.width(), image.height());
        boolean flip = rng.nextDouble() < config.flipProbability();
        float[] online = Resampler.resize(image, box, size, size, flip); // [3, S, S] in [0, 1]
        float[] target = online.clone();
        colour(online, rng);
        colour(target, rng);
        int plane = size * size;
        config.normalisation().apply(online, plane);
        config.normalisation().apply(target, plane);
        return new ViewPair(online, target);
    }

    private void colour(float[] view, RandomGenerator rng) {
        int plane = config.imageSize() * config.imageSize();
        if (rng.nextDouble() < config.jitterProbability()) ColourJitter.jitter(view, plane, config, rng);
        if (rng.nextDouble() < config.grayscaleProbability()) ColourJitter.grayscale(view, plane);
    }
}
