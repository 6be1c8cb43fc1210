package io.extrema.images;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Shrinks decoded images to the resolution they are kept at, such as the trainer's replay buffer. The buffer stores
 * pixels, not JPEG bytes: an image drawn several times is then decoded once, and a new random crop and colour
 * augmentation is still taken at every draw. Shrinking first (shorter side to a bound a little above the model's
 * input size, like the usual resize-before-crop) keeps a 12-megapixel photo from costing 36 MB of buffer.
 */
public final class ImageShrink {

    private ImageShrink() {}

    /** {@code image} with its shorter side at most {@code maxShortSide}; unchanged when already small enough. */
    public static DecodedImage shrink(DecodedImage image, int maxShortSide) {
        int shortSide = Math.min(image.width(), image.height());
        if (shortSide <= maxShortSide) {
            return image;
        }
        BufferedImage current = toBufferedImage(image);
        double scale = (double) maxShortSide / shortSide;
        int targetW = Math.max(1, (int) Math.round(image.width() * scale));
        int targetH = Math.max(1, (int) Math.round(image.height() * scale));
        // Halve repeatedly, then one bilinear step: a single bilinear step from far above aliases badly.
        int w = current.getWidth();
        int h = current.getHeight();
        do {
            w = Math.max(targetW, w / 2);
            h = Math.max(targetH, h / 2);
            current = scaled(current, w, h);
        } while (w != targetW || h != targetH);
        return ImageDecoder.toRgb(current);
    }

    private static BufferedImage toBufferedImage(DecodedImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        byte[] rgb = image.rgb();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return out;
    }

    private static BufferedImage scaled(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
