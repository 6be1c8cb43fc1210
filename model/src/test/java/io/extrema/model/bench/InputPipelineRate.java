package io.extrema.model.bench;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.ImageShrink;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.ViewAugmentation;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * How many images per second the CPU turns into training views, the work the trainer's decode and augment threads
 * do: decode a JPEG and shrink it to the stored side (once per arriving image), then the two augmented views of a
 * stored image (once per draw). Measured on one thread and on every core, on photo-sized synthetic JPEGs
 * (500×375, ImageNet's typical size; smooth shapes plus sensor-like noise, at quality 0.9).
 */
public final class InputPipelineRate {

    /**
     * @param threads threads of the measurement
     * @param decodePerSecond JPEG decode + shrink to the stored side, images/s over all threads
     * @param augmentPerSecond the two views of a stored image, images/s over all threads
     */
    public record Rate(int threads, double decodePerSecond, double augmentPerSecond) {

        /** Images/s when every trained image is also decoded (a stream trained once, replay factor 1). */
        public double freshPerSecond() {
            return 1 / (1 / decodePerSecond + 1 / augmentPerSecond);
        }

        /** Images/s when each decoded image is drawn {@code replayFactor} times. */
        public double perSecond(double replayFactor) {
            return 1 / (1 / (decodePerSecond * replayFactor) + 1 / augmentPerSecond);
        }
    }

    public static final int WIDTH = 500;
    public static final int HEIGHT = 375;

    private final List<byte[]> jpegs;
    private final ViewAugmentation augmentation;
    private final int storeSide;

    /** {@code count} synthetic JPEGs for {@code model}'s input size, stored at 8/7 of it as the trainer does. */
    public InputPipelineRate(ExtremaConfig model, int count) {
        this.jpegs = syntheticJpegs(count, 7);
        this.augmentation = new ViewAugmentation(AugmentationConfig.of(model));
        this.storeSide = (int) Math.ceil(model.imageSize() * 8 / 7.0);
    }

    /** Bytes of the average test JPEG. */
    public long meanJpegBytes() {
        return jpegs.stream().mapToLong(j -> j.length).sum() / jpegs.size();
    }

    /** Decodes then augments every image {@code rounds} times on each of {@code threads} threads. */
    public Rate measure(int threads, int rounds) throws Exception {
        List<DecodedImage> stored = new ArrayList<>();
        SplittableRandom warmup = new SplittableRandom(0);
        for (byte[] jpeg : jpegs) stored.add(decode(jpeg)); // also warms the decoder up
        for (DecodedImage image : stored) augmentation.augment(image, warmup); // and the views' code
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double decodeSeconds = parallel(pool, threads, () -> {
                for (int r = 0; r < rounds; r++) for (byte[] jpeg : jpegs) decode(jpeg);
            });
            double augmentSeconds = parallel(pool, threads, () -> {
                SplittableRandom rng = new SplittableRandom(threads);
                for (int r = 0; r < rounds; r++) for (DecodedImage image : stored) augmentation.augment(image, rng);
            });
            double images = (double) threads * rounds * jpegs.size();
            return new Rate(threads, images / decodeSeconds, images / augmentSeconds);
        } finally {
            pool.shutdownNow();
        }
    }

    private DecodedImage decode(byte[] jpeg) {
        try {
            return ImageShrink.shrink(ImageDecoder.decode(jpeg, ImageLimits.defaults()), storeSide);
        } catch (ImageRejectedException e) {
            throw new IllegalStateException("a synthetic test JPEG was rejected", e);
        }
    }

    /** Wall seconds for {@code threads} copies of {@code work} run at once. */
    private static double parallel(ExecutorService pool, int threads, Runnable work) throws Exception {
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) done.add(pool.submit(work));
        for (Future<?> f : done) f.get();
        return (System.nanoTime() - t0) / 1e9;
    }

    static List<byte[]> syntheticJpegs(int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = image.createGraphics();
            try {
                g.setPaint(new java.awt.GradientPaint(0, 0, randomColour(random), WIDTH, HEIGHT, randomColour(random)));
                g.fillRect(0, 0, WIDTH, HEIGHT);
                for (int s = 0; s < 12; s++) {
                    g.setColor(randomColour(random));
                    g.fillOval(
                            random.nextInt(WIDTH),
                            random.nextInt(HEIGHT),
                            20 + random.nextInt(200),
                            20 + random.nextInt(150));
                }
            } finally {
                g.dispose();
            }
            for (int y = 0; y < HEIGHT; y++) {
                for (int x = 0; x < WIDTH; x++) {
                    int rgb = image.getRGB(x, y);
                    int n = (int) (random.nextGaussian() * 8);
                    image.setRGB(
                            x,
                            y,
                            (clamp((rgb >> 16 & 255) + n) << 16)
                                    | (clamp((rgb >> 8 & 255) + n) << 8)
                                    | clamp((rgb & 255) + n));
                }
            }
            out.add(jpeg(image));
        }
        return out;
    }

    /** Quality 0.9, about what photo sites serve. */
    private static byte[] jpeg(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.9f);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static Color randomColour(Random random) {
        return new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
