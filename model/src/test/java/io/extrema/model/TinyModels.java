package io.extrema.model;

import java.util.Map;
import java.util.Random;

/** A model small enough for unit tests, and structured synthetic images (shapes and colours, not noise). */
final class TinyModels {

    private TinyModels() {}

    static ExtremaConfig config() {
        Map<String, String> m = ExtremaConfig.cifarTiny().toMap();
        m.put("imageSize", "16");
        m.put("patchSize", "4");
        m.put("dim", "32");
        m.put("depth", "2");
        m.put("heads", "2");
        m.put("projectorHidden", "64");
        m.put("projectorOut", "32");
        m.put("predictorHidden", "64");
        m.put("batchSize", "16");
        m.put("baseLr", "0.016"); // peak 1e-3 at batch 16
        m.put("warmupSteps", "5");
        m.put("emaStart", "0.99");
        m.put("dropPath", "0.1");
        return ExtremaConfig.fromMap(m);
    }

    /**
     * {@code batch} normalised CHW images of {@code side}²: each a coloured disc or bar on a coloured background,
     * at a random place and size, so images differ in colour, shape and position like real photos do.
     */
    static float[] images(int batch, int side, long seed) {
        Random r = new Random(seed);
        float[] out = new float[batch * 3 * side * side];
        for (int b = 0; b < batch; b++) {
            float[] bg = {r.nextFloat(), r.nextFloat(), r.nextFloat()};
            float[] fg = {r.nextFloat(), r.nextFloat(), r.nextFloat()};
            double cx = r.nextDouble() * side;
            double cy = r.nextDouble() * side;
            double radius = 2 + r.nextDouble() * side / 3.0;
            boolean disc = r.nextBoolean();
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean inside = disc
                            ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius
                            : Math.abs(x - cx) < radius / 3 || Math.abs(y - cy) < 1;
                    for (int c = 0; c < 3; c++) {
                        float v = inside ? fg[c] : bg[c];
                        v += 0.1f * (float) Math.sin(0.7 * x + 1.3 * y + c);
                        out[((b * 3 + c) * side + y) * side + x] = (v - 0.5f) / 0.25f;
                    }
                }
            }
        }
        return out;
    }
}
