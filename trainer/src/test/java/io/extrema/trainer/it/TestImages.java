package io.extrema.trainer.it;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Real JPEG files made with ImageIO: ten classes of 32x32 pictures (a class colour, a stripe direction and a blob
 * at a random place, plus noise), so there is structure to learn and a label to check batch mixing with.
 */
final class TestImages {
    static final int CLASSES = 10;

    private TestImages() {}

    static byte[] jpeg(int cls, int index, int side) {
        Random r = new Random(cls * 100_003L + index);
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        float hue = cls / (float) CLASSES;
        g.setColor(Color.getHSBColor(hue, 0.6f, 0.8f));
        g.fillRect(0, 0, side, side);
        g.setColor(Color.getHSBColor((hue + 0.5f) % 1f, 0.7f, 0.4f));
        int period = 4 + cls % 4;
        for (int i = -side; i < 2 * side; i += period) {
            if (cls % 2 == 0) {
                g.fillRect(i, 0, period / 2, side);
            } else {
                g.fillRect(0, i, side, period / 2);
            }
        }
        g.setColor(Color.getHSBColor(r.nextFloat(), 0.9f, 0.9f));
        int d = side / 3;
        g.fillOval(r.nextInt(side - d), r.nextInt(side - d), d, d);
        g.dispose();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int rgb = img.getRGB(x, y);
                int n = r.nextInt(21) - 10;
                int rr = clamp(((rgb >> 16) & 0xff) + n);
                int gg = clamp(((rgb >> 8) & 0xff) + n);
                int bb = clamp((rgb & 0xff) + n);
                img.setRGB(x, y, (rr << 16) | (gg << 8) | bb);
            }
        }
        return encode(img);
    }

    /** A JPEG whose frame header (SOF0) declares a width of 0. */
    static byte[] corrupt() {
        byte[] bytes = jpeg(2, 998, 32);
        for (int i = 2; i + 8 < bytes.length; i++) {
            if ((bytes[i] & 0xFF) == 0xFF && (bytes[i + 1] & 0xFF) == 0xC0) {
                // FFC0, length (2), precision (1), height (2), width (2)
                bytes[i + 7] = 0;
                bytes[i + 8] = 0;
                return bytes;
            }
        }
        throw new IllegalStateException("no SOF0 marker in the test JPEG");
    }

    static byte[] truncated() {
        byte[] whole = jpeg(3, 999, 32);
        return Arrays.copyOf(whole, whole.length / 2);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static byte[] encode(BufferedImage img) {
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                ImageWriteParam p = writer.getDefaultWriteParam();
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(0.9f);
                writer.write(null, new IIOImage(img, null, null), p);
            } finally {
                writer.dispose();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
