package io.extrema.images;

/**
 * Upper bounds an image must respect before any pixel is decoded. Every bound is checked against the header, so a
 * small file that declares a huge canvas (a decompression bomb) is refused without allocating its pixels.
 */
public record ImageLimits(long maxBytes, long maxPixels, int maxWidth, int maxHeight) {
    public ImageLimits {
        if (maxBytes <= 0 || maxPixels <= 0 || maxWidth <= 0 || maxHeight <= 0) {
            throw new IllegalArgumentException("image limits must be positive: " + maxBytes + ", " + maxPixels + ", "
                    + maxWidth + ", " + maxHeight);
        }
    }

    /**
     * 7 MiB (the images topic accepts 8 MiB messages and a record carries metadata besides the bytes), 40
     * megapixels (an 8K photo; its RGB decode is 120 MB), 16384 pixels a side.
     */
    public static ImageLimits defaults() {
        return new ImageLimits(7L * 1024 * 1024, 40_000_000L, 16_384, 16_384);
    }

    /** Refuses a byte count above {@link #maxBytes()}. */
    public void checkBytes(long bytes) throws ImageRejectedException {
        if (bytes > maxBytes) {
            throw new ImageRejectedException(
                    RejectReason.TOO_LARGE_BYTES, bytes + " bytes exceed the limit of " + maxBytes);
        }
    }

    /** Refuses declared dimensions above the limits. */
    public void checkDimensions(int width, int height) throws ImageRejectedException {
        if (width <= 0 || height <= 0) {
            throw new ImageRejectedException(RejectReason.CORRUPT, "declared size " + width + "x" + height);
        }
        if (width > maxWidth) {
            throw new ImageRejectedException(RejectReason.TOO_WIDE, "width " + width + " exceeds " + maxWidth);
        }
        if (height > maxHeight) {
            throw new ImageRejectedException(RejectReason.TOO_TALL, "height " + height + " exceeds " + maxHeight);
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageRejectedException(
                    RejectReason.TOO_MANY_PIXELS,
                    width + "x" + height + " = " + pixels + " pixels exceed " + maxPixels);
        }
    }
}
