package io.extrema.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
    private static final ImageLimits LIMITS = ImageLimits.defaults();

    private static void assertEveryPixel(DecodedImage image, int r, int g, int b, int tolerance) {
        for (int i = 0; i < image.rgb().length; i += 3) {
            int dr = Math.abs((image.rgb()[i] & 0xFF) - r);
            int dg = Math.abs((image.rgb()[i + 1] & 0xFF) - g);
            int db = Math.abs((image.rgb()[i + 2] & 0xFF) - b);
            assertTrue(dr <= tolerance && dg <= tolerance && db <= tolerance, "pixel " + i / 3 + " off by " + dr + "," + dg + "," + db);
        }
    }

    private static byte[] expectedRgb(BufferedImage image) {
        byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
        for (int y = 0, o = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                rgb[o++] = (byte) (p >> 16);
                rgb[o++] = (byte) (p >> 8);
                rgb[o++] = (byte) p;
            }
        }
        return rgb;
    }

    @Test
    void pngAndBmpDecodeExactly() throws Exception {
        BufferedImage source = TestImages.rgb(23, 17);
        DecodedImage png = ImageDecoder.decode(TestImages.png(source), LIMITS);
        assertEquals(23, png.width());
        assertEquals(17, png.height());
        assertArrayEquals(expectedRgb(source), png.rgb());
        assertArrayEquals(expectedRgb(source), ImageDecoder.decode(TestImages.encode(source, "bmp"), LIMITS).rgb());
        assertArrayEquals(expectedRgb(source), ImageDecoder.decode(TestImages.encode(source, "tiff"), LIMITS).rgb());
    }

    @Test
    void colourJpegTakesTheFastPathInRgbOrder() throws Exception {
        DecodedImage image = ImageDecoder.decode(TestImages.jpeg(TestImages.solid(32, 24, 0xC81E3C)), LIMITS);
        assertEquals(32, image.width());
        assertEquals(24, image.height());
        assertEveryPixel(image, 0xC8, 0x1E, 0x3C, 6); // lossy, but red stays red
    }

    @Test
    void grayKeepsItsValuesInEveryChannel() throws Exception {
        assertEveryPixel(ImageDecoder.decode(TestImages.png(TestImages.gray(9, 7, 100)), LIMITS), 100, 100, 100, 0);
        assertEveryPixel(ImageDecoder.decode(TestImages.jpeg(TestImages.gray(16, 16, 100)), LIMITS), 100, 100, 100, 1);
        // 16-bit gray: 0x6400 / 65535 * 255 = 99.6
        assertEveryPixel(ImageDecoder.decode(TestImages.png(TestImages.gray16(9, 7, 0x6400)), LIMITS), 100, 100, 100, 0);
    }

    @Test
    void alphaIsDroppedAndPalettesExpanded() throws Exception {
        assertEveryPixel(ImageDecoder.decode(TestImages.png(TestImages.rgba(6, 5, 0x40112233)), LIMITS), 0x11, 0x22, 0x33, 0);
        for (String format : new String[] {"png", "gif", "bmp"}) {
            DecodedImage image = ImageDecoder.decode(TestImages.encode(TestImages.palette(8, 2), format), LIMITS);
            assertArrayEquals(new byte[] {(byte) 255, 0, 0}, Arrays.copyOfRange(image.rgb(), 0, 3), format);
            assertArrayEquals(new byte[] {0, 0, (byte) 255}, Arrays.copyOfRange(image.rgb(), 7 * 3, 8 * 3), format);
        }
    }

    @Test
    void cmykJpegIsRefusedWithAReason() throws Exception {
        ImageRejectedException e = assertThrows(ImageRejectedException.class,
                () -> ImageDecoder.decode(TestImages.cmykJpeg(16, 16), LIMITS));
        assertEquals(RejectReason.UNSUPPORTED_COLOR_SPACE, e.reason());
        assertTrue(e.getMessage().contains("CMYK"), e.getMessage());
    }

    @Test
    void corruptPixelDataIsRefusedNotReturned() {
        byte[] png = TestImages.png(TestImages.rgb(64, 64));
        byte[] corrupt = png.clone();
        for (int i = 60; i < corrupt.length - 30; i++) corrupt[i] = (byte) 0xA5; // IDAT garbage, IEND intact
        RejectReason reason = assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(corrupt, LIMITS)).reason();
        assertTrue(reason == RejectReason.CORRUPT || reason == RejectReason.TRUNCATED, reason.toString());

        byte[] jpeg = TestImages.jpeg(TestImages.rgb(64, 64));
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2 + 2);
        cut[cut.length - 2] = (byte) 0xFF; // a fake end-of-image marker fools the probe; the decoder notices
        cut[cut.length - 1] = (byte) 0xD9;
        assertEquals(RejectReason.TRUNCATED, assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(cut, LIMITS)).reason());
    }
}
