package io.extrema.model.augment;

import io.extrema.model.ExtremaConfig;

/**
 * Settings of the two-view augmentation. Every part can be switched off (crop = false, probabilities 0) and its
 * strength changed, for the ablations of the learning-speed work.
 *
 * @param imageSize            output side in pixels (the model's image size)
 * @param crop                 random-resized-crop on (shared by both views); off = resize the whole image
 * @param scaleMin             smallest crop area as a fraction of the image
 * @param scaleMax             largest crop area as a fraction of the image
 * @param ratioMin             smallest crop aspect ratio (width / height)
 * @param ratioMax             largest crop aspect ratio
 * @param flipProbability      horizontal flip probability (shared by both views)
 * @param jitterProbability    probability that a view gets colour jitter (drawn per view)
 * @param brightness           brightness factor drawn from [1 - b, 1 + b]
 * @param contrast             contrast factor drawn from [1 - c, 1 + c]
 * @param saturation           saturation factor drawn from [1 - s, 1 + s]
 * @param hue                  hue shift drawn from [-h, h] (fraction of the colour circle, at most 0.5)
 * @param grayscaleProbability probability that a view is turned to grayscale (drawn per view)
 * @param normalisation        channel mean and std applied last
 */
public record AugmentationConfig(
        int imageSize,
        boolean crop,
        double scaleMin,
        double scaleMax,
        double ratioMin,
        double ratioMax,
        double flipProbability,
        double jitterProbability,
        double brightness,
        double contrast,
        double saturation,
        double hue,
        double grayscaleProbability,
        Normalisation normalisation) {

    public AugmentationConfig {
        if (imageSize < 1) throw new IllegalArgumentException("imageSize must be >= 1: " + imageSize);
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("need 0 < scaleMin <= scaleMax <= 1: " + scaleMin + ", " + scaleMax);
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("need 0 < ratioMin <= ratioMax: " + ratioMin + ", " + ratioMax);
        }
        probability("flipProbability", flipProbability);
        probability("jitterProbability", jitterProbability);
        probability("grayscaleProbability", grayscaleProbability);
        if (brightness < 0 || contrast < 0 || saturation < 0) {
            throw new IllegalArgumentException("jitter strengths must be >= 0");
        }
        if (hue < 0 || hue > 0.5) throw new IllegalArgumentException("hue must be in [0, 0.5]: " + hue);
        if (normalisation == null) throw new IllegalArgumentException("normalisation is required");
    }

    private static void probability(String name, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(name + " must be in [0, 1]: " + p);
    }

    /** ExtreMA / BYOL: crop scale 0.2-1, flip, jitter (0.4, 0.4, 0.2, 0.1) with p 0.8, grayscale p 0.2. */
    public static AugmentationConfig paper(int imageSize) {
        return new AugmentationConfig(
                imageSize, true, 0.2, 1.0, 3.0 / 4, 4.0 / 3, 0.5, 0.8, 0.4, 0.4, 0.2, 0.1, 0.2, Normalisation.IMAGENET);
    }

    /** What a model trains with: the paper's augmentation at its image size and its crop scale. */
    public static AugmentationConfig of(ExtremaConfig model) {
        AugmentationConfig paper = paper(model.imageSize());
        return paper.withCrop(true, model.cropScaleMin(), paper.scaleMax());
    }

    /** The paper's "no colour augmentation" ablation: shared crop and flip only, masking does the rest. */
    public AugmentationConfig withoutColour() {
        return withColour(0, 0, 0, 0, 0, 0);
    }

    public AugmentationConfig withCrop(boolean on, double minScale, double maxScale) {
        return new AugmentationConfig(
                imageSize,
                on,
                minScale,
                maxScale,
                ratioMin,
                ratioMax,
                flipProbability,
                jitterProbability,
                brightness,
                contrast,
                saturation,
                hue,
                grayscaleProbability,
                normalisation);
    }

    /** Colour part: jitter probability and strengths, grayscale probability. */
    public AugmentationConfig withColour(double jitterP, double b, double c, double s, double h, double grayP) {
        return new AugmentationConfig(
                imageSize,
                crop,
                scaleMin,
                scaleMax,
                ratioMin,
                ratioMax,
                flipProbability,
                jitterP,
                b,
                c,
                s,
                h,
                grayP,
                normalisation);
    }
}
