package io.extrema.images;

/**
 * Decoded pixels: interleaved 8-bit RGB, row-major, 3 bytes a pixel ({@code rgb.length == width * height * 3}).
 */
public record DecodedImage(int width, int height, byte[] rgb) {
    public DecodedImage {
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(
                    width + "x" + height + " RGB needs " + (long) width * height * 3 + " bytes, got " + rgb.length);
        }
    }
}
