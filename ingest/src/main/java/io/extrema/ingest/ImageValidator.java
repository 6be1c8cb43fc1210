package io.extrema.ingest;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageFormat;
import io.extrema.images.ImageHeader;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageProbe;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.RejectReason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Decides whether bytes may go on the images topic: the header check always (size, limits, a complete file), a full
 * decode when asked; and scales down images over {@code resize.max.side}, the only case where bytes are re-encoded.
 */
public final class ImageValidator {
    /** The bytes to send and what their header declares. */
    public record Accepted(byte[] bytes, ImageHeader header) {}

    private static final ImageHeader UNCHECKED = new ImageHeader(ImageFormat.UNKNOWN, 0, 0, 0);

    private final ImageLimits limits;
    private final boolean validate;
    private final boolean decode;
    private final int resizeMaxSide;

    public ImageValidator(ImageLimits limits, boolean validate, boolean decode, int resizeMaxSide) {
        this.limits = limits;
        this.validate = validate;
        this.decode = decode;
        this.resizeMaxSide = resizeMaxSide;
    }

    public static ImageValidator of(IngestConfig config) {
        return new ImageValidator(
                config.limits(),
                config.getBoolean(IngestConfig.VALIDATE),
                config.getBoolean(IngestConfig.VALIDATE_DECODE),
                config.getInt(IngestConfig.RESIZE_MAX_SIDE));
    }

    public ImageLimits limits() {
        return limits;
    }

    public Accepted accept(byte[] bytes) throws ImageRejectedException {
        if (!validate) return new Accepted(bytes, headerOrUnknown(bytes));
        ImageHeader header = ImageProbe.check(bytes, limits);
        if (resizeMaxSide > 0 && Math.max(header.width(), header.height()) > resizeMaxSide) {
            return resize(ImageDecoder.decode(bytes, limits), header.format());
        }
        if (decode) ImageDecoder.decode(bytes, limits);
        return new Accepted(bytes, header);
    }

    /** Without validation the record still wants its dimensions: read them when the header allows, else zeros. */
    private static ImageHeader headerOrUnknown(byte[] bytes) {
        try {
            return ImageProbe.probe(bytes);
        } catch (ImageRejectedException e) {
            return UNCHECKED;
        }
    }

    /** Area-averaged downscale to {@code resizeMaxSide} on the long side; JPEG stays JPEG (quality 0.9), else PNG. */
    private Accepted resize(DecodedImage image, ImageFormat format) throws ImageRejectedException {
        double scale = (double) resizeMaxSide / Math.max(image.width(), image.height());
        int w = Math.max(1, (int) Math.round(image.width() * scale));
        int h = Math.max(1, (int) Math.round(image.height() * scale));
        BufferedImage source = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((java.awt.image.DataBufferByte) source.getRaster().getDataBuffer()).getData();
        byte[] rgb = image.rgb();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        BufferedImage scaled = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        var g = scaled.createGraphics();
        try {
            // Area averaging avoids the aliasing a single bilinear step gives at large reduction factors.
            g.drawImage(source.getScaledInstance(w, h, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
        } finally {
            g.dispose();
        }
        boolean jpeg = format == ImageFormat.JPEG;
        byte[] encoded = encode(scaled, jpeg);
        limits.checkBytes(encoded.length);
        return new Accepted(encoded, new ImageHeader(jpeg ? ImageFormat.JPEG : ImageFormat.PNG, w, h, 3));
    }

    private static byte[] encode(BufferedImage image, boolean jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer =
                ImageIO.getImageWritersByFormatName(jpeg ? "jpeg" : "png").next();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (jpeg) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.9f);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("re-encoding a resized image", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Refusal for bytes that were never read because they exceed the byte limit (large files, big uploads). */
    public static ImageRejectedException tooLarge(long size, long maxBytes) {
        return new ImageRejectedException(
                RejectReason.TOO_LARGE_BYTES, size + " bytes exceed the limit of " + maxBytes);
    }
}
