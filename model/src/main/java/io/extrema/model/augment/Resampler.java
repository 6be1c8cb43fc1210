package io.extrema.model.augment;

import io.extrema.images.DecodedImage;

/**
 * Bilinear resampling of a crop of an interleaved RGB byte image into a CHW float image in [0, 1]
 * (align_corners = false, samples clamped to the crop like a crop-then-resize). No antialiasing filter: a
 * strong downscale (a large photo to 32 px) aliases; the images we train on are at most a few times the output.
 */
final class Resampler {

    private Resampler() {}

    /**
     * @param outWidth  output width
     * @param outHeight output height
     * @param flip      mirror horizontally
     */
    static float[] resize(DecodedImage image, CropBox box, int outWidth, int outHeight, boolean flip) {
        int width = image.width();
        byte[] rgb = image.rgb();
        // Per output column / row: the two source indices and the weight of the second.
        int[] x0 = new int[outWidth];
        int[] x1 = new int[outWidth];
        float[] wx = new float[outWidth];
        axis(box.x(), box.width(), outWidth, x0, x1, wx);
        int[] y0 = new int[outHeight];
        int[] y1 = new int[outHeight];
        float[] wy = new float[outHeight];
        axis(box.y(), box.height(), outHeight, y0, y1, wy);

        int plane = outWidth * outHeight;
        float[] out = new float[3 * plane];
        final float inv255 = 1f / 255f;
        for (int oy = 0; oy < outHeight; oy++) {
            int rowA = y0[oy] * width;
            int rowB = y1[oy] * width;
            float fy = wy[oy];
            for (int ox = 0; ox < outWidth; ox++) {
                int sx = flip ? outWidth - 1 - ox : ox;
                int a = 3 * (rowA + x0[sx]);
                int b = 3 * (rowA + x1[sx]);
                int c = 3 * (rowB + x0[sx]);
                int d = 3 * (rowB + x1[sx]);
                float fx = wx[sx];
                int o = oy * outWidth + ox;
                for (int ch = 0; ch < 3; ch++) {
                    float top = (rgb[a + ch] & 0xff) + fx * ((rgb[b + ch] & 0xff) - (rgb[a + ch] & 0xff));
                    float bottom = (rgb[c + ch] & 0xff) + fx * ((rgb[d + ch] & 0xff) - (rgb[c + ch] & 0xff));
                    out[ch * plane + o] = (top + fy * (bottom - top)) * inv255;
                }
            }
        }
        return out;
    }

    private static void axis(int start, int length, int out, int[] i0, int[] i1, float[] w) {
        double scale = (double) length / out;
        for (int o = 0; o < out; o++) {
            double s = (o + 0.5) * scale - 0.5;
            s = Math.max(0, Math.min(length - 1, s));
            int lo = (int) Math.floor(s);
            int hi = Math.min(lo + 1, length - 1);
            i0[o] = start + lo;
            i1[o] = start + hi;
            w[o] = (float) (s - lo);
        }
    }
}
