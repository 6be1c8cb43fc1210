package io.extrema.model.bench;

import java.awt.Color;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes a learning curve as CSV and as a PNG plot of k-NN accuracy against training minutes. */
final class CurveReport {

    private CurveReport() {}

    /** One row per point; knn columns in the order of the first point's keys. */
    static void writeCsv(Path file, List<CurvePoint> curve, double rawPixels) throws IOException {
        List<String> keys = new ArrayList<>(curve.get(0).knn().keySet());
        keys.sort(null);
        try (Writer w = Files.newBufferedWriter(file)) {
            w.write("minute,step,images,loss,projection_spread,skipped,clipped,feature_std");
            for (String k : keys) w.write(",knn_" + k);
            w.write(",knn_raw_pixels\n");
            for (CurvePoint p : curve) {
                w.write(String.format(
                        Locale.ROOT,
                        "%.3f,%d,%d,%.5f,%.4f,%d,%.4f,%.4f",
                        p.minutes(),
                        p.step(),
                        p.images(),
                        p.loss(),
                        p.spread(),
                        p.skipped(),
                        p.clipped(),
                        p.featureStd()));
                for (String k : keys)
                    w.write(String.format(Locale.ROOT, ",%.4f", p.knn().get(k)));
                w.write(String.format(Locale.ROOT, ",%.4f%n", rawPixels));
            }
        }
    }

    /**
     * The training minute at which {@code feature}'s accuracy first reaches {@code level}, linearly interpolated
     * between the two evaluations around it; NaN if it never does.
     */
    static double crossingMinute(List<CurvePoint> curve, String feature, double level) {
        for (int i = 0; i < curve.size(); i++) {
            double acc = curve.get(i).knn().get(feature);
            if (acc < level) continue;
            if (i == 0) return curve.get(0).minutes();
            CurvePoint before = curve.get(i - 1);
            double a0 = before.knn().get(feature);
            if (a0 >= level) return before.minutes();
            return before.minutes() + (level - a0) / (acc - a0) * (curve.get(i).minutes() - before.minutes());
        }
        return Double.NaN;
    }

    /** Accuracy against training minutes, one line per feature, dashed lines for raw pixels and random init. */
    static void writePng(Path file, List<CurvePoint> curve, double rawPixels, String title) throws IOException {
        List<String> keys = new ArrayList<>(curve.get(0).knn().keySet());
        keys.sort(null);
        CurvePlot plot = new CurvePlot(title, "training wall-clock minutes (evaluation excluded)")
                .reference("raw pixels", rawPixels, Color.RED);
        if (curve.get(0).step() == 0) {
            plot.reference(
                    "random init (" + FeatureKind.HEADLINE + ")",
                    curve.get(0).knn().get(FeatureKind.HEADLINE),
                    Color.GRAY);
        }
        double[] minutes = curve.stream().mapToDouble(CurvePoint::minutes).toArray();
        for (String key : keys) {
            plot.curve(
                    key,
                    minutes,
                    curve.stream().mapToDouble(p -> p.knn().get(key)).toArray());
        }
        plot.write(file);
    }
}
