package io.extrema.images;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image bytes to interleaved 8-bit RGB after {@link ImageProbe#check} has accepted the header, so no pixel
 * buffer is allocated for an image the limits refuse. Conversions: gray is replicated to R = G = B (read from the
 * raster, not through {@code getRGB}, which would re-gamma linear gray); alpha is dropped (the colour values are
 * kept, as PIL's {@code convert("RGB")} does); palettes are expanded; 16-bit samples keep their high byte.
 * CMYK and YCCK JPEGs, which the JDK's reader refuses, are read by TwelveMonkeys' reader: the Adobe convention
 * (inverted samples) is assumed, and the embedded ICC profile applied, or without one TwelveMonkeys' generic CMYK.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // never spill image streams to temporary files
    }

    /** ImageIO readers are costly to look up and not thread-safe: one per format per thread, reused. */
    private static final ThreadLocal<Map<ImageFormat, ImageReader>> READERS =
            ThreadLocal.withInitial(() -> new EnumMap<>(ImageFormat.class));
    /** The same for 4-component (CMYK/YCCK) JPEGs, which have a reader of their own. */
    private static final ThreadLocal<ImageReader> CMYK_JPEG_READERS = new ThreadLocal<>();

    /** Decodes {@code bytes} to RGB, refusing anything outside {@code limits} before decoding. */
    public static DecodedImage decode(byte[] bytes, ImageLimits limits) throws ImageRejectedException {
        ImageHeader header = ImageProbe.check(bytes, limits);
        ImageReader reader = reader(header);
        TruncationWarning truncation = new TruncationWarning();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(truncation);
            // GIF frames and TIFF pages can be larger than the header the probe read: check what will be decoded.
            limits.checkDimensions(reader.getWidth(0), reader.getHeight(0));
            BufferedImage image = reader.read(0);
            if (truncation.seen != null) {
                throw new ImageRejectedException(RejectReason.TRUNCATED, truncation.seen);
            }
            return toRgb(image);
        } catch (IOException | RuntimeException e) {
            throw rejection(header.format(), e);
        } finally {
            reader.reset();
        }
    }

    /** Interleaved RGB of any {@link BufferedImage}, with the conversions described on the class. */
    public static DecodedImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && isPackedBgr(raster)) {
            // Fast path: what ImageIO produces for every colour JPEG. Swap B and R in place.
            byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
            for (int i = 0; i < rgb.length; i += 3) {
                rgb[i] = bgr[i + 2];
                rgb[i + 1] = bgr[i + 1];
                rgb[i + 2] = bgr[i];
            }
        } else if (cm instanceof ComponentColorModel
                && (cm.getNumColorComponents() == 1 || cm.getColorSpace().isCS_sRGB())) {
            copyBands(raster, cm.getNumColorComponents() == 1, rgb);
        } else {
            int[] row = new int[w];
            for (int y = 0, o = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int argb : row) {
                    rgb[o++] = (byte) (argb >> 16);
                    rgb[o++] = (byte) (argb >> 8);
                    rgb[o++] = (byte) argb;
                }
            }
        }
        return new DecodedImage(w, h, rgb);
    }

    private static boolean isPackedBgr(Raster raster) {
        return raster.getSampleModel() instanceof PixelInterleavedSampleModel sm
                && sm.getPixelStride() == 3
                && sm.getScanlineStride() == raster.getWidth() * 3
                && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0
                && ((DataBufferByte) raster.getDataBuffer()).getData().length
                        == raster.getWidth() * raster.getHeight() * 3;
    }

    /** Gray or sRGB component rasters of any bit depth, scaled to 8 bits; alpha (the last band) is ignored. */
    private static void copyBands(Raster raster, boolean gray, byte[] rgb) {
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        int[] max = new int[3];
        for (int c = 0; c < 3; c++) max[c] = (1 << raster.getSampleModel().getSampleSize(gray ? 0 : c)) - 1;
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int p = x * bands;
                for (int c = 0; c < 3; c++) {
                    int s = row[gray ? p : p + c];
                    int m = max[gray ? 0 : c];
                    rgb[o++] = (byte) (m == 255 ? s : (s * 255L + m / 2) / m);
                }
            }
        }
    }

    /**
     * JPEG readers are chosen by class, not by ImageIO's order (TwelveMonkeys registers ahead of the JDK): the JDK's
     * for gray and colour, TwelveMonkeys' only for CMYK/YCCK, as it is 2.5x slower on 32x32 colour JPEGs.
     */
    private static ImageReader reader(ImageHeader header) throws ImageRejectedException {
        ImageFormat format = header.format();
        if (format == ImageFormat.JPEG && header.channels() == 4) {
            ImageReader reader = CMYK_JPEG_READERS.get();
            if (reader == null) {
                reader = create(cmykJpegProvider());
                CMYK_JPEG_READERS.set(reader);
            }
            return reader;
        }
        Map<ImageFormat, ImageReader> cache = READERS.get();
        ImageReader reader = cache.get(format);
        if (reader == null) {
            if (format == ImageFormat.JPEG) {
                reader = create(jdkJpegProvider());
            } else {
                Iterator<ImageReader> readers =
                        ImageIO.getImageReadersByFormatName(format.name().toLowerCase());
                if (!readers.hasNext()) {
                    throw new ImageRejectedException(
                            RejectReason.UNSUPPORTED_FORMAT, "no ImageIO reader for " + format);
                }
                reader = readers.next();
            }
            cache.put(format, reader);
        }
        return reader;
    }

    private static ImageReaderSpi jdkJpegProvider() throws ImageRejectedException {
        Iterator<ImageReaderSpi> providers = IIORegistry.getDefaultInstance()
                .getServiceProviders(
                        ImageReaderSpi.class,
                        p -> p.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageReaderSpi"),
                        false);
        if (!providers.hasNext()) {
            throw new ImageRejectedException(
                    RejectReason.UNSUPPORTED_FORMAT, "the JDK's JPEG reader is not registered");
        }
        return providers.next();
    }

    private static ImageReaderSpi cmykJpegProvider() throws ImageRejectedException {
        // Registered from its jar's service file; it deregisters itself when it finds no JDK reader to delegate to.
        ImageReaderSpi provider = IIORegistry.getDefaultInstance().getServiceProviderByClass(JPEGImageReaderSpi.class);
        if (provider == null) {
            throw new ImageRejectedException(
                    RejectReason.UNSUPPORTED_COLOR_SPACE,
                    "CMYK/YCCK JPEG: the TwelveMonkeys JPEG reader is not registered");
        }
        return provider;
    }

    private static ImageReader create(ImageReaderSpi provider) {
        try {
            return provider.createReaderInstance();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create a reader from " + provider.getClass().getName(), e);
        }
    }

    /** Maps a decoder failure to a reason: end-of-data errors are truncation, ImageIO's type errors colour space. */
    static ImageRejectedException rejection(ImageFormat format, Exception e) {
        if (e instanceof ImageRejectedException rejected) return rejected;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage()).toLowerCase();
            if (t instanceof EOFException
                    || message.contains("end of file")
                    || message.contains("premature")
                    || message.contains("unexpected end")) {
                return new ImageRejectedException(
                        RejectReason.TRUNCATED, format + " data ends early: " + t.getMessage(), e);
            }
            if (t instanceof IIOException && message.contains("unsupported image type")) {
                return new ImageRejectedException(
                        RejectReason.UNSUPPORTED_COLOR_SPACE,
                        format + " colour model not supported: " + t.getMessage(),
                        e);
            }
        }
        return new ImageRejectedException(RejectReason.CORRUPT, format + " does not decode: " + e, e);
    }

    /** ImageIO's JPEG reader warns, rather than fails, on a premature end of data and fills the rest with gray. */
    private static final class TruncationWarning implements IIOReadWarningListener {
        String seen;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            if (seen == null && warning.toLowerCase().contains("premature")) seen = "decoder: " + warning;
        }
    }

    private ImageDecoder() {}
}
