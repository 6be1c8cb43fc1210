package io.extrema.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageProbeTest {

    private static RejectReason refusal(byte[] bytes, ImageLimits limits) {
        return assertThrows(ImageRejectedException.class, () -> ImageProbe.check(bytes, limits))
                .reason();
    }

    @Test
    void readsFormatSizeAndChannelsFromHeaders() throws Exception {
        assertEquals(
                new ImageHeader(ImageFormat.JPEG, 40, 30, 3),
                ImageProbe.probe(TestImages.jpeg(TestImages.rgb(40, 30))));
        assertEquals(
                new ImageHeader(ImageFormat.JPEG, 17, 9, 1),
                ImageProbe.probe(TestImages.jpeg(TestImages.gray(17, 9, 80))));
        assertEquals(
                new ImageHeader(ImageFormat.PNG, 40, 30, 3), ImageProbe.probe(TestImages.png(TestImages.rgb(40, 30))));
        assertEquals(
                new ImageHeader(ImageFormat.PNG, 5, 6, 4),
                ImageProbe.probe(TestImages.png(TestImages.rgba(5, 6, 0x80FF0000))));
        assertEquals(
                new ImageHeader(ImageFormat.PNG, 5, 6, 1),
                ImageProbe.probe(TestImages.png(TestImages.gray16(5, 6, 1000))));
        assertEquals(
                new ImageHeader(ImageFormat.GIF, 12, 8, 3),
                ImageProbe.probe(TestImages.encode(TestImages.palette(12, 8), "gif")));
        assertEquals(
                new ImageHeader(ImageFormat.BMP, 12, 8, 3),
                ImageProbe.probe(TestImages.encode(TestImages.rgb(12, 8), "bmp")));
        assertEquals(
                new ImageHeader(ImageFormat.TIFF, 12, 8, 3),
                ImageProbe.probe(TestImages.encode(TestImages.rgb(12, 8), "tiff")));
    }

    @Test
    void decompressionBombsAreRefusedFromTheHeader() {
        byte[] pngBomb = TestImages.pngDeclaring(100_000, 100_000);
        assertEquals(RejectReason.TOO_WIDE, refusal(pngBomb, ImageLimits.defaults()));
        ImageLimits noSideLimit = new ImageLimits(1 << 20, 40_000_000, 1 << 20, 1 << 20);
        assertEquals(RejectReason.TOO_MANY_PIXELS, refusal(pngBomb, noSideLimit));
        ImageRejectedException decoded =
                assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(pngBomb, noSideLimit));
        assertEquals(RejectReason.TOO_MANY_PIXELS, decoded.reason());

        byte[] jpegBomb = TestImages.jpegDeclaring(TestImages.jpeg(TestImages.rgb(16, 16)), 60_000, 60_000);
        assertEquals(new ImageHeader(ImageFormat.JPEG, 60_000, 60_000, 3), assertDoesNotThrowProbe(jpegBomb));
        assertEquals(RejectReason.TOO_TALL, refusal(jpegBomb, new ImageLimits(1 << 20, 40_000_000, 1 << 20, 1000)));
        assertEquals(
                RejectReason.TOO_MANY_PIXELS,
                assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(jpegBomb, noSideLimit))
                        .reason());
    }

    private static ImageHeader assertDoesNotThrowProbe(byte[] bytes) {
        try {
            return ImageProbe.probe(bytes);
        } catch (ImageRejectedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refusesEmptyOversizedNonImageAndUnsupportedBytes() throws Exception {
        ImageLimits limits = ImageLimits.defaults();
        assertEquals(RejectReason.EMPTY, refusal(new byte[0], limits));
        assertEquals(
                RejectReason.NOT_AN_IMAGE, refusal("hello, not an image".getBytes(StandardCharsets.UTF_8), limits));
        byte[] jpeg = TestImages.jpeg(TestImages.rgb(64, 64));
        assertEquals(
                RejectReason.TOO_LARGE_BYTES, refusal(jpeg, new ImageLimits(jpeg.length - 1, 1 << 20, 1024, 1024)));
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(RejectReason.UNSUPPORTED_FORMAT, refusal(webp, limits));
        byte[] arithmetic = jpeg.clone();
        for (int i = 2; i < arithmetic.length - 1; i++) {
            if (arithmetic[i] == (byte) 0xFF && arithmetic[i + 1] == (byte) 0xC0) {
                arithmetic[i + 1] = (byte) 0xC9;
                break;
            }
        }
        assertEquals(RejectReason.UNSUPPORTED_FORMAT, refusal(arithmetic, limits));
        assertEquals(RejectReason.UNSUPPORTED_COLOR_SPACE, refusal(TestImages.rawJpeg(16, 16, 2), limits));
        assertEquals(
                new ImageHeader(ImageFormat.JPEG, 128, 16, 4),
                ImageProbe.check(TestImages.cmykJpeg("ycck.jpg"), limits));
    }

    @Test
    void refusesTruncatedAndCorruptFiles() throws Exception {
        ImageLimits limits = ImageLimits.defaults();
        byte[] jpeg = TestImages.jpeg(TestImages.rgb(64, 64));
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(jpeg, jpeg.length / 2), limits));
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(jpeg, 40), limits));
        byte[] png = TestImages.png(TestImages.rgb(64, 64));
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(png, png.length - 20), limits));
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(png, 20), limits));
        byte[] gif = TestImages.encode(TestImages.palette(30, 30), "gif");
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(gif, gif.length - 5), limits));
        byte[] cmyk = TestImages.cmykJpeg("cmyk-icc.jpg");
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(cmyk, cmyk.length - 20), limits));
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(cmyk, 100), limits)); // inside the ICC segment
        byte[] bmp = TestImages.encode(TestImages.rgb(30, 30), "bmp");
        assertEquals(RejectReason.TRUNCATED, refusal(Arrays.copyOf(bmp, bmp.length - 100), limits));

        byte[] badMarker = jpeg.clone();
        badMarker[4] = 0; // the first segment's length now points into its middle, where no marker starts
        badMarker[5] = 3;
        assertEquals(RejectReason.CORRUPT, refusal(badMarker, limits));
        byte[] badPng = png.clone();
        badPng[12] = 'X'; // IHDR renamed
        assertEquals(RejectReason.CORRUPT, refusal(badPng, limits));
        assertEquals(RejectReason.CORRUPT, refusal(TestImages.pngDeclaring(0, 10), limits));
    }
}
