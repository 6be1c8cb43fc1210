package io.extrema.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
    private static final ImageLimits LIMITS = ImageLimits.defaults();

    private static void assertEveryPixel(DecodedImage image, int r, int g, int b, int tolerance) {
        for (int i = 0; i < image.rgb().length; i += 3) {
            int dr = Math.abs((image.rgb()[i] & 0xFF) - r);
            int dg = Math.abs((image.rgb()[i + 1] & 0xFF) - g);
            int db = Math.abs((image.rgb()[i + 2] & 0xFF) - b);
            assertTrue(
                    dr <= tolerance && dg <= tolerance && db <= tolerance,
                    "pixel " + i / 3 + " off by " + dr + "," + dg + "," + db);
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
        assertArrayEquals(
                expectedRgb(source),
                ImageDecoder.decode(TestImages.encode(source, "bmp"), LIMITS).rgb());
        assertArrayEquals(
                expectedRgb(source),
                ImageDecoder.decode(TestImages.encode(source, "tiff"), LIMITS).rgb());
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
        assertEveryPixel(
                ImageDecoder.decode(TestImages.png(TestImages.gray16(9, 7, 0x6400)), LIMITS), 100, 100, 100, 0);
    }

    @Test
    void alphaIsDroppedAndPalettesExpanded() throws Exception {
        assertEveryPixel(
                ImageDecoder.decode(TestImages.png(TestImages.rgba(6, 5, 0x40112233)), LIMITS), 0x11, 0x22, 0x33, 0);
        for (String format : new String[] {"png", "gif", "bmp"}) {
            DecodedImage image = ImageDecoder.decode(TestImages.encode(TestImages.palette(8, 2), format), LIMITS);
            assertArrayEquals(new byte[] {(byte) 255, 0, 0}, Arrays.copyOfRange(image.rgb(), 0, 3), format);
            assertArrayEquals(new byte[] {0, 0, (byte) 255}, Arrays.copyOfRange(image.rgb(), 7 * 3, 8 * 3), format);
        }
    }

    /** The test files' patches, left to right, 16 pixels wide: which of R, G, B each has (1) or lacks (0). */
    private static final String[] PATCHES = {"red", "green", "blue", "cyan", "magenta", "yellow", "white", "black"};

    private static final int[][] CHANNELS = {
        {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}, {0, 0, 0}
    };
    private static final String[] CMYK_FILES = {"cmyk.jpg", "cmyk-icc.jpg", "ycck.jpg", "ycck-icc.jpg"};

    /** Asserts every pixel of patch {@code patch}; {@code check} gets the pixel's R, G, B. */
    private static void assertPatch(DecodedImage image, int patch, String what, IntPredicate... check) {
        for (int y = 0; y < image.height(); y++) {
            for (int x = patch * 16; x < patch * 16 + 16; x++) {
                int o = (y * image.width() + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int v = image.rgb()[o + c] & 0xFF;
                    assertTrue(
                            check[c].test(v),
                            what + " " + PATCHES[patch] + " at " + x + "," + y + ": channel " + c + " = " + v);
                }
            }
        }
    }

    /** The Adobe APP14 colour transform byte (0 CMYK, 2 YCCK), or -1 without that segment. */
    private static int adobeTransform(byte[] jpeg) {
        for (int i = 2; i + 16 < jpeg.length; i++) {
            if (jpeg[i] == (byte) 0xFF
                    && jpeg[i + 1] == (byte) 0xEE
                    && new String(jpeg, i + 4, 5, StandardCharsets.US_ASCII).equals("Adobe")) {
                return jpeg[i + 15];
            }
        }
        return -1;
    }

    @Test
    void testFilesAreTheCmykAndYcckTheySayTheyAre() throws Exception {
        for (String file : CMYK_FILES) {
            byte[] jpeg = TestImages.cmykJpeg(file);
            assertEquals(new ImageHeader(ImageFormat.JPEG, 128, 16, 4), ImageProbe.probe(jpeg), file);
            assertEquals(file.startsWith("ycck") ? 2 : 0, adobeTransform(jpeg), file);
            assertEquals(
                    file.contains("-icc"), new String(jpeg, StandardCharsets.ISO_8859_1).contains("ICC_PROFILE"), file);
        }
    }

    @Test
    void cmykAndYcckJpegsDecodeToTheirColours() throws Exception {
        // Press inks are not the sRGB primaries: through a press profile 100% C + M (blue) comes out dull, (0, 0, 131)
        // with the test profile, and K as (35, 31, 32). So a channel the patch has must be >= 120 and one it lacks
        // <= 60. The errors this catches move a channel by far more: samples not inverted (red decodes as cyan),
        // YCCK taken as CMYK, K dropped (black decodes as white).
        for (String file : CMYK_FILES) {
            DecodedImage image = ImageDecoder.decode(TestImages.cmykJpeg(file), LIMITS);
            assertEquals(128, image.width());
            assertEquals(16, image.height());
            for (int p = 0; p < PATCHES.length; p++) {
                IntPredicate[] check = new IntPredicate[3];
                for (int c = 0; c < 3; c++) check[c] = CHANNELS[p][c] == 1 ? v -> v >= 120 : v -> v <= 60;
                assertPatch(image, p, file, check);
            }
        }
    }

    @Test
    void anEmbeddedCmykProfileIsApplied() throws Exception {
        // press-cmyk-icc.py's inks: cyan (0, 174, 239), black (35, 31, 32); without the profile cyan is (0, 255, 255)
        // and black (0, 0, 0). Within 6 levels: JPEG at quality 95 moves these flat patches by up to 4 (YCCK).
        for (String file : new String[] {"cmyk-icc.jpg", "ycck-icc.jpg"}) {
            DecodedImage image = ImageDecoder.decode(TestImages.cmykJpeg(file), LIMITS);
            assertPatch(image, 3, file, v -> v <= 6, v -> Math.abs(v - 174) <= 6, v -> Math.abs(v - 239) <= 6);
            assertPatch(
                    image, 7, file, v -> Math.abs(v - 35) <= 6, v -> Math.abs(v - 31) <= 6, v -> Math.abs(v - 32) <= 6);
        }
    }

    @Test
    void aTwoComponentJpegIsStillRefusedWithAReason() throws Exception {
        ImageRejectedException e = assertThrows(
                ImageRejectedException.class, () -> ImageDecoder.decode(TestImages.rawJpeg(16, 16, 2), LIMITS));
        assertEquals(RejectReason.UNSUPPORTED_COLOR_SPACE, e.reason());
        assertTrue(e.getMessage().contains("2-component"), e.getMessage());
    }

    @Test
    void corruptPixelDataIsRefusedNotReturned() throws Exception {
        byte[] png = TestImages.png(TestImages.rgb(64, 64));
        byte[] corrupt = png.clone();
        for (int i = 60; i < corrupt.length - 30; i++) corrupt[i] = (byte) 0xA5; // IDAT garbage, IEND intact
        RejectReason reason = assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(corrupt, LIMITS))
                .reason();
        assertTrue(reason == RejectReason.CORRUPT || reason == RejectReason.TRUNCATED, reason.toString());

        byte[] jpeg = TestImages.jpeg(TestImages.rgb(64, 64));
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2 + 2);
        cut[cut.length - 2] = (byte) 0xFF; // a fake end-of-image marker fools the probe; the decoder notices
        cut[cut.length - 1] = (byte) 0xD9;
        assertEquals(
                RejectReason.TRUNCATED,
                assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(cut, LIMITS))
                        .reason());

        // the same through the CMYK/YCCK reader
        for (String file : CMYK_FILES) {
            byte[] cmyk = TestImages.cmykJpeg(file);
            byte[] cmykCut = Arrays.copyOf(cmyk, cmyk.length - 20);
            cmykCut[cmykCut.length - 2] = (byte) 0xFF;
            cmykCut[cmykCut.length - 1] = (byte) 0xD9;
            assertEquals(
                    RejectReason.TRUNCATED,
                    assertThrows(ImageRejectedException.class, () -> ImageDecoder.decode(cmykCut, LIMITS))
                            .reason(),
                    file);
        }
    }
}
