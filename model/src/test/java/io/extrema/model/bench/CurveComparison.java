package io.extrema.model.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plots one k-NN column of several {@code curve.csv} files on one chart, for the recipe comparisons of
 * docs/bench/learning.md. The x axis is a column of the files: {@code images} (the default) or {@code minute}
 * (measured training minutes, for runs on the same idle machine), optionally multiplied per series by a factor: a
 * relative step cost measured in one process (StepBenchmark) turns "same images" into "same wall-clock", and
 * 1/(60 · images per second) turns images into minutes at a measured rate. Dashed lines: raw pixels and, when a
 * file has a step-0 row, random init.
 *
 * <pre>
 * CurveComparison --out k.png --title "K=4 vs K=1" --feature target-mean --xlabel "..." \
 *     "K=4, r=0.75=runs/k4/curve.csv*1.87" "K=1=runs/k1/curve.csv"
 * </pre>
 */
public final class CurveComparison {

    private record Series(String label, double[] x, double[] y) {}

    private CurveComparison() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>(Map.of(
                "feature",
                "target-mean",
                "title",
                "",
                "x",
                "images",
                "xlabel",
                "training images seen",
                "out",
                "comparison.png"));
        List<Series> series = new ArrayList<>();
        double raw = Double.NaN;
        double init = Double.NaN; // the step-0 point of any file: runs of one seed share their initialisation
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                opts.put(args[i].substring(2), args[++i]);
                continue;
            }
            int eq = args[i].lastIndexOf('=');
            String label = args[i].substring(0, eq);
            String spec = args[i].substring(eq + 1);
            double scale = 1;
            int star = spec.lastIndexOf('*');
            if (star > 0) {
                scale = Double.parseDouble(spec.substring(star + 1));
                spec = spec.substring(0, star);
            }
            List<String> lines = Files.readAllLines(Path.of(spec));
            List<String> header = Arrays.asList(lines.get(0).split(","));
            int col = header.indexOf("knn_" + opts.get("feature"));
            int xCol = header.indexOf(opts.get("x"));
            int rawCol = header.indexOf("knn_raw_pixels");
            int step = header.indexOf("step");
            if (col < 0) throw new IllegalArgumentException(spec + " has no column knn_" + opts.get("feature"));
            if (xCol < 0) throw new IllegalArgumentException(spec + " has no column " + opts.get("x"));
            double[] x = new double[lines.size() - 1];
            double[] y = new double[x.length];
            for (int r = 1; r < lines.size(); r++) {
                String[] f = lines.get(r).split(",");
                x[r - 1] = Double.parseDouble(f[xCol]) * scale;
                y[r - 1] = Double.parseDouble(f[col]);
                raw = Double.parseDouble(f[rawCol]);
                if (Long.parseLong(f[step]) == 0) init = y[r - 1];
            }
            series.add(new Series(label, x, y));
        }
        CurvePlot plot = new CurvePlot(opts.get("title"), opts.get("xlabel") + " (" + opts.get("feature") + ")")
                .reference("raw pixels", raw, Color.RED)
                .reference("random init", init, Color.GRAY);
        for (Series s : series) plot.curve(s.label(), s.x(), s.y());
        plot.write(Path.of(opts.get("out")));
    }
}
