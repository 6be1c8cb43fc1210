package io.extrema.model.augment;

import java.util.random.RandomGenerator;

/** A rectangle of source pixels: left, top, width, height. */
record CropBox(int x, int y, int width, int height) {

    /** The whole image. */
    static CropBox whole(int width, int height) {
        return new CropBox(0, 0, width, height);
    }

    /**
     * torchvision's RandomResizedCrop sampling: up to ten tries of an area fraction uniform in [scaleMin, scaleMax]
     * and a log-uniform aspect ratio; if none fits, the largest centred box with the ratio clamped to the range.
     */
    static CropBox randomResized(int width, int height, AugmentationConfig cfg, RandomGenerator rng) {
        double area = (double) width * height;
        double logMin = Math.log(cfg.ratioMin());
        double logMax = Math.log(cfg.ratioMax());
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (cfg.scaleMin() + rng.nextDouble() * (cfg.scaleMax() - cfg.scaleMin()));
            double ratio = Math.exp(logMin + rng.nextDouble() * (logMax - logMin));
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(left, top, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < cfg.ratioMin()) {
            w = width;
            h = Math.max(1, (int) Math.round(w / cfg.ratioMin()));
        } else if (inRatio > cfg.ratioMax()) {
            h = height;
            w = Math.max(1, (int) Math.round(h * cfg.ratioMax()));
        } else {
            w = width;
            h = height;
        }
        return new CropBox((width - w) / 2, (height - h) / 2, w, h);
    }
}
