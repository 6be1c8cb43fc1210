package io.extrema.images;

/** Image container formats, recognised from their magic bytes (never from a file name). */
public enum ImageFormat {
    JPEG,
    PNG,
    GIF,
    BMP,
    TIFF,
    /** Recognised but not readable by the JDK's ImageIO. */
    WEBP,
    /** No known image signature. */
    UNKNOWN;

    /** The format whose signature starts {@code bytes}; {@link #UNKNOWN} when none matches. */
    public static ImageFormat sniff(byte[] bytes) {
        if (startsWith(bytes, 0xFF, 0xD8, 0xFF)) return JPEG;
        if (startsWith(bytes, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return PNG;
        if (startsWith(bytes, 'G', 'I', 'F', '8')) return GIF;
        if (startsWith(bytes, 'B', 'M')) return BMP;
        if (startsWith(bytes, 'I', 'I', 42, 0) || startsWith(bytes, 'M', 'M', 0, 42)) return TIFF;
        if (startsWith(bytes, 'R', 'I', 'F', 'F')
                && bytes.length >= 12
                && bytes[8] == 'W'
                && bytes[9] == 'E'
                && bytes[10] == 'B'
                && bytes[11] == 'P') return WEBP;
        return UNKNOWN;
    }

    private static boolean startsWith(byte[] bytes, int... signature) {
        if (bytes.length < signature.length) return false;
        for (int i = 0; i < signature.length; i++) {
            if ((bytes[i] & 0xFF) != signature[i]) return false;
        }
        return true;
    }
}
