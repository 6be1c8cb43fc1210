package io.extrema.model.augment;

import java.util.random.RandomGenerator;

/**
 * torchvision's ColorJitter and Grayscale on a CHW float image in [0, 1], in place: brightness, contrast,
 * saturation and hue factors drawn uniformly and applied in a random order, each result clamped to [0, 1].
 * Grey levels use ITU-R 601 luma weights, as torchvision does.
 */
final class ColourJitter {

    private static final float WR = 0.299f;
    private static final float WG = 0.587f;
    private static final float WB = 0.114f;

    private ColourJitter() {}

    /** Applies the four adjustments with factors and order drawn from {@code rng}. */
    static void jitter(float[] img, int plane, AugmentationConfig cfg, RandomGenerator rng) {
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int op : order) {
            switch (op) {
                case 0 -> {
                    if (cfg.brightness() > 0) brightness(img, factor(cfg.brightness(), rng));
                }
                case 1 -> {
                    if (cfg.contrast() > 0) contrast(img, plane, factor(cfg.contrast(), rng));
                }
                case 2 -> {
                    if (cfg.saturation() > 0) saturation(img, plane, factor(cfg.saturation(), rng));
                }
                default -> {
                    if (cfg.hue() > 0) hue(img, plane, (float) ((rng.nextDouble() * 2 - 1) * cfg.hue()));
                }
            }
        }
    }

    private static float factor(double strength, RandomGenerator rng) {
        double lo = Math.max(0, 1 - strength);
        return (float) (lo + rng.nextDouble() * (1 + strength - lo));
    }

    static void brightness(float[] img, float f) {
        for (int i = 0; i < img.length; i++) img[i] = clamp(img[i] * f);
    }

    /** Blend with the mean grey level of the whole image. */
    static void contrast(float[] img, int plane, float f) {
        double sum = 0;
        for (int i = 0; i < plane; i++) sum += WR * img[i] + WG * img[plane + i] + WB * img[2 * plane + i];
        float mean = (float) (sum / plane);
        float shift = (1 - f) * mean;
        for (int i = 0; i < img.length; i++) img[i] = clamp(f * img[i] + shift);
    }

    /** Blend with each pixel's own grey level. */
    static void saturation(float[] img, int plane, float f) {
        for (int i = 0; i < plane; i++) {
            float r = img[i];
            float g = img[plane + i];
            float b = img[2 * plane + i];
            float grey = (1 - f) * (WR * r + WG * g + WB * b);
            img[i] = clamp(f * r + grey);
            img[plane + i] = clamp(f * g + grey);
            img[2 * plane + i] = clamp(f * b + grey);
        }
    }

    /** Rotates the hue by {@code shift} of a turn through HSV, keeping saturation and value. */
    static void hue(float[] img, int plane, float shift) {
        for (int i = 0; i < plane; i++) {
            float r = img[i];
            float g = img[plane + i];
            float b = img[2 * plane + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta <= 0) continue; // grey: hue undefined, nothing to rotate
            float h;
            if (max == r) h = (g - b) / delta;
            else if (max == g) h = 2 + (b - r) / delta;
            else h = 4 + (r - g) / delta;
            h = h / 6 + shift;
            h -= (float) Math.floor(h);
            float s = delta / max;
            float v = max;
            float h6 = h * 6;
            int sector = Math.min(5, (int) h6);
            float frac = h6 - sector;
            float p = v * (1 - s);
            float q = v * (1 - s * frac);
            float t = v * (1 - s * (1 - frac));
            switch (sector) {
                case 0 -> {
                    r = v;
                    g = t;
                    b = p;
                }
                case 1 -> {
                    r = q;
                    g = v;
                    b = p;
                }
                case 2 -> {
                    r = p;
                    g = v;
                    b = t;
                }
                case 3 -> {
                    r = p;
                    g = q;
                    b = v;
                }
                case 4 -> {
                    r = t;
                    g = p;
                    b = v;
                }
                default -> {
                    r = v;
                    g = p;
                    b = q;
                }
            }
            img[i] = r;
            img[plane + i] = g;
            img[2 * plane + i] = b;
        }
    }

    /** Replaces the three channels by the grey level. */
    static void grayscale(float[] img, int plane) {
        for (int i = 0; i < plane; i++) {
            float grey = WR * img[i] + WG * img[plane + i] + WB * img[2 * plane + i];
            img[i] = grey;
            img[plane + i] = grey;
            img[2 * plane + i] = grey;
        }
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }
}
