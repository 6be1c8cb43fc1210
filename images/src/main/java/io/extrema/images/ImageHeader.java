package io.extrema.images;

/**
 * What an image declares about itself in its header, read without decoding any pixel.
 *
 * @param channels 1 (gray), 2 (gray + alpha), 3 (colour) or 4 (colour + alpha, or CMYK/YCCK for JPEG)
 */
public record ImageHeader(ImageFormat format, int width, int height, int channels) {
    public long pixels() {
        return (long) width * height;
    }
}
