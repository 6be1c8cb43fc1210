package io.extrema.model.augment;

/**
 * Per-channel normalisation (x - mean) / std of a CHW float image in [0, 1].
 *
 * @param mean three channel means (R, G, B)
 * @param std  three channel standard deviations
 */
public record Normalisation(float[] mean, float[] std) {

    /** ImageNet statistics, the usual choice for any dataset. */
    public static final Normalisation IMAGENET =
            new Normalisation(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    /** Pixel values in [0, 1] as they are: the raw-pixel baseline's. */
    public static final Normalisation NONE = new Normalisation(new float[] {0, 0, 0}, new float[] {1, 1, 1});
    /** CIFAR-10 training-set statistics. */
    public static final Normalisation CIFAR10 =
            new Normalisation(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});

    public Normalisation {
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("need 3 channel means and stds");
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std must be > 0: " + s);
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Normalises in place a CHW image of {@code plane} pixels per channel. */
    public void apply(float[] chw, int plane) {
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            int o = c * plane;
            for (int i = 0; i < plane; i++) chw[o + i] = (chw[o + i] - m) * inv;
        }
    }
}
