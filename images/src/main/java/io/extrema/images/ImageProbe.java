package io.extrema.images;

import static io.extrema.images.RejectReason.CORRUPT;
import static io.extrema.images.RejectReason.NOT_AN_IMAGE;
import static io.extrema.images.RejectReason.TRUNCATED;
import static io.extrema.images.RejectReason.UNSUPPORTED_COLOR_SPACE;
import static io.extrema.images.RejectReason.UNSUPPORTED_FORMAT;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads an image's format, size and channel count from its header, without decoding pixels. JPEG, PNG, GIF and BMP
 * headers are parsed here (a few dozen bytes); TIFF headers through ImageIO's reader, whose {@code getWidth} and
 * {@code getHeight} read the header only.
 */
public final class ImageProbe {

    /** The header of {@code bytes}; refused when there is no readable image header. */
    public static ImageHeader probe(byte[] bytes) throws ImageRejectedException {
        if (bytes.length == 0) throw new ImageRejectedException(RejectReason.EMPTY, "no bytes");
        ImageFormat format = ImageFormat.sniff(bytes);
        return switch (format) {
            case JPEG -> new JpegHeader(bytes).header;
            case PNG -> png(bytes);
            case GIF -> gif(bytes);
            case BMP -> bmp(bytes);
            case TIFF -> viaImageIO(bytes, format);
            case WEBP -> throw new ImageRejectedException(UNSUPPORTED_FORMAT, "WebP is not readable by this decoder");
            case UNKNOWN ->
                throw new ImageRejectedException(
                        NOT_AN_IMAGE,
                        "no JPEG, PNG, GIF, BMP or TIFF signature (starts with " + hexPrefix(bytes) + ")");
        };
    }

    /**
     * Everything that can be checked without decoding: byte count, header, declared size against {@code limits},
     * a colour model the decoder converts, and whether the file ends where its format says it does (the JPEG
     * end-of-image marker after the scan data, the PNG IEND chunk, the GIF trailer, the BMP pixel array).
     */
    public static ImageHeader check(byte[] bytes, ImageLimits limits) throws ImageRejectedException {
        limits.checkBytes(bytes.length);
        ImageHeader header;
        if (ImageFormat.sniff(bytes) == ImageFormat.JPEG) {
            JpegHeader jpeg = new JpegHeader(bytes);
            header = jpeg.header;
            limits.checkDimensions(header.width(), header.height());
            if (header.channels() != 1 && header.channels() != 3 && header.channels() != 4) {
                throw new ImageRejectedException(
                        UNSUPPORTED_COLOR_SPACE,
                        header.channels()
                                + "-component JPEG (only gray, colour and CMYK/YCCK are decoded); convert it to RGB first");
            }
            jpeg.checkComplete();
        } else {
            header = probe(bytes);
            limits.checkDimensions(header.width(), header.height());
            checkComplete(bytes, header.format());
        }
        return header;
    }

    /** JPEG: walks the marker segments to the frame header (SOF), then on to the first scan (SOS). */
    private static final class JpegHeader {
        final byte[] b;
        final ImageHeader header;
        int pos;

        JpegHeader(byte[] bytes) throws ImageRejectedException {
            this.b = bytes;
            this.pos = 2;
            ImageHeader found = null;
            while (found == null) {
                int marker = nextMarker();
                if (marker == 0xD9 || marker == 0xDA) {
                    throw new ImageRejectedException(CORRUPT, "JPEG has no frame header before its scan data");
                }
                int length = segmentLength();
                if (isFrameHeader(marker)) {
                    if (marker > 0xC2) {
                        throw new ImageRejectedException(
                                UNSUPPORTED_FORMAT,
                                String.format(
                                        "JPEG SOF%d (lossless, hierarchical or arithmetic-coded) is not supported",
                                        marker - 0xC0));
                    }
                    if (length < 8) throw new ImageRejectedException(CORRUPT, "JPEG frame header too short");
                    int height = u16(b, pos + 3);
                    int width = u16(b, pos + 5);
                    int components = b[pos + 7] & 0xFF;
                    if (height == 0) {
                        throw new ImageRejectedException(UNSUPPORTED_FORMAT, "JPEG height deferred to a DNL marker");
                    }
                    found = new ImageHeader(ImageFormat.JPEG, width, height, components);
                }
                pos += length;
            }
            header = found;
        }

        /** The scan data must be followed by an end-of-image marker (inside entropy-coded data FF is never followed by D9). */
        void checkComplete() throws ImageRejectedException {
            while (true) {
                int marker = nextMarker();
                if (marker == 0xDA) break;
                if (marker == 0xD9) throw new ImageRejectedException(CORRUPT, "JPEG ends before its first scan");
                pos += segmentLength();
            }
            for (int i = b.length - 2; i > pos; i--) {
                if (b[i] == (byte) 0xFF && b[i + 1] == (byte) 0xD9) return;
            }
            throw new ImageRejectedException(TRUNCATED, "JPEG has no end-of-image marker after its scan data");
        }

        private int nextMarker() throws ImageRejectedException {
            if (pos >= b.length) throw new ImageRejectedException(TRUNCATED, "JPEG ends inside its header");
            if (b[pos] != (byte) 0xFF) {
                throw new ImageRejectedException(CORRUPT, "JPEG marker expected at byte " + pos);
            }
            while (pos < b.length && b[pos] == (byte) 0xFF) pos++; // fill bytes
            if (pos >= b.length) throw new ImageRejectedException(TRUNCATED, "JPEG ends inside its header");
            int marker = b[pos++] & 0xFF;
            boolean standalone = marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
            return standalone ? nextMarker() : marker;
        }

        /** Length of the segment at {@code pos} (including its two length bytes), checked against the data. */
        private int segmentLength() throws ImageRejectedException {
            if (pos + 2 > b.length) throw new ImageRejectedException(TRUNCATED, "JPEG ends inside its header");
            int length = u16(b, pos);
            if (length < 2) throw new ImageRejectedException(CORRUPT, "JPEG segment length " + length);
            if (pos + length > b.length) throw new ImageRejectedException(TRUNCATED, "JPEG ends inside its header");
            return length;
        }

        private static boolean isFrameHeader(int marker) {
            return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        }
    }

    private static ImageHeader png(byte[] b) throws ImageRejectedException {
        if (b.length < 33) throw new ImageRejectedException(TRUNCATED, "PNG ends inside its IHDR chunk");
        if (u32(b, 8) != 13 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw new ImageRejectedException(CORRUPT, "PNG does not start with an IHDR chunk");
        }
        long width = u32(b, 16);
        long height = u32(b, 20);
        if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new ImageRejectedException(CORRUPT, "PNG declares " + width + "x" + height);
        }
        int channels = switch (b[25]) {
            case 0 -> 1; // gray
            case 2, 3 -> 3; // RGB, palette
            case 4 -> 2; // gray + alpha
            case 6 -> 4; // RGBA
            default -> throw new ImageRejectedException(CORRUPT, "PNG colour type " + b[25]);
        };
        return new ImageHeader(ImageFormat.PNG, (int) width, (int) height, channels);
    }

    private static ImageHeader gif(byte[] b) throws ImageRejectedException {
        if (b.length < 13) throw new ImageRejectedException(TRUNCATED, "GIF ends inside its screen descriptor");
        return new ImageHeader(ImageFormat.GIF, u16le(b, 6), u16le(b, 8), 3);
    }

    private static ImageHeader bmp(byte[] b) throws ImageRejectedException {
        if (b.length < 26) throw new ImageRejectedException(TRUNCATED, "BMP ends inside its header");
        long dibSize = u32le(b, 14);
        if (dibSize == 12) { // OS/2 BITMAPCOREHEADER
            return new ImageHeader(ImageFormat.BMP, u16le(b, 18), u16le(b, 20), 3);
        }
        if (dibSize < 40) throw new ImageRejectedException(CORRUPT, "BMP header size " + dibSize);
        if (b.length < 34) throw new ImageRejectedException(TRUNCATED, "BMP ends inside its header");
        int width = (int) u32le(b, 18);
        int height = Math.abs((int) u32le(b, 22)); // negative height = top-down rows
        int bits = u16le(b, 28);
        return new ImageHeader(ImageFormat.BMP, width, height, bits == 32 ? 4 : 3);
    }

    private static ImageHeader viaImageIO(byte[] bytes, ImageFormat format) throws ImageRejectedException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageRejectedException(UNSUPPORTED_FORMAT, "no ImageIO reader for " + format);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                ImageTypeSpecifier type = reader.getRawImageType(0);
                int channels = type == null ? 3 : type.getNumBands();
                return new ImageHeader(format, width, height, channels);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw ImageDecoder.rejection(format, e);
        }
    }

    private static void checkComplete(byte[] b, ImageFormat format) throws ImageRejectedException {
        switch (format) {
            case PNG -> {
                for (int i = b.length - 8; i >= 33; i--) { // IEND type, then its 4-byte CRC
                    if (b[i] == 'I' && b[i + 1] == 'E' && b[i + 2] == 'N' && b[i + 3] == 'D') return;
                }
                throw new ImageRejectedException(TRUNCATED, "PNG has no IEND chunk");
            }
            case GIF -> {
                int end = b.length - 1;
                while (end > 13 && b[end] == 0) end--; // some writers pad after the trailer
                if (b[end] != 0x3B) throw new ImageRejectedException(TRUNCATED, "GIF has no trailer byte");
            }
            case BMP -> {
                if (u32le(b, 14) < 40 || b.length < 34 || u32le(b, 30) != 0)
                    return; // only uncompressed is sized simply
                ImageHeader h = bmp(b);
                long stride = (((long) u16le(b, 28) * h.width() + 31) / 32) * 4;
                long needed = u32le(b, 10) + stride * h.height();
                if (b.length < needed) {
                    throw new ImageRejectedException(
                            TRUNCATED, "BMP pixel array needs " + needed + " bytes, file has " + b.length);
                }
            }
            default -> {}
        }
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) s.append(String.format("%02x", b[i]));
        return s.toString();
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    static long u32(byte[] b, int i) {
        return ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    static int u16le(byte[] b, int i) {
        return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8);
    }

    static long u32le(byte[] b, int i) {
        return (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8) | ((b[i + 2] & 0xFF) << 16) | ((long) (b[i + 3] & 0xFF) << 24);
    }

    private ImageProbe() {}
}
