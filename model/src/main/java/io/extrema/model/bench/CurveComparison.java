package io.extrema.model.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Plots one k-NN column of several {@code curve.csv} files on one chart, for the recipe comparisons of
 * docs/bench/learning.md. The x axis is training images seen, optionally multiplied per series by a relative
 * step cost measured in one process (StepBenchmark), which turns "same images" into "same wall-clock".
 *
 * <pre>
 * CurveComparison --out k.png --title "K=4 vs K=1" --feature target-mean --xlabel "..." \
 *     "K=4, r=0.75=runs/k4/curve.csv*1.87" "K=1=runs/k1/curve.csv"
 * </pre>
 */
public final class CurveComparison {

    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2)};

    private record Series(String label, double[] x, double[] y) {
    }

    private CurveComparison() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>(Map.of("feature", "target-mean", "title", "",
                "xlabel", "training images seen", "out", "comparison.png"));
        List<Series> series = new ArrayList<>();
        double raw = Double.NaN;
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
            int images = header.indexOf("images");
            int rawCol = header.indexOf("knn_raw_pixels");
            if (col < 0) throw new IllegalArgumentException(spec + " has no column knn_" + opts.get("feature"));
            double[] x = new double[lines.size() - 1];
            double[] y = new double[x.length];
            for (int r = 1; r < lines.size(); r++) {
                String[] f = lines.get(r).split(",");
                x[r - 1] = Double.parseDouble(f[images]) * scale;
                y[r - 1] = Double.parseDouble(f[col]);
                raw = Double.parseDouble(f[rawCol]);
            }
            series.add(new Series(label, x, y));
        }
        plot(Path.of(opts.get("out")), series, raw, opts.get("title"), opts.get("xlabel") + " (" + opts.get("feature")
                + ")");
    }

    private static void plot(Path file, List<Series> series, double raw, String title, String xLabel)
            throws IOException {
        int width = 900;
        int height = 520;
        int left = 70;
        int right = 230;
        int top = 50;
        int bottom = 60;
        double maxX = 1e-9;
        double lo = raw;
        double hi = raw;
        for (Series s : series) {
            for (double v : s.x()) maxX = Math.max(maxX, v);
            for (double v : s.y()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double yLo = Math.max(0, Math.floor(lo * 20 - 0.5) / 20);
        double yHi = Math.min(1, Math.ceil(hi * 20 + 0.5) / 20);
        double xMax = maxX;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        java.util.function.DoubleUnaryOperator x = v -> left + v / xMax * plotW;
        java.util.function.DoubleUnaryOperator y = a -> top + (1 - (a - yLo) / (yHi - yLo)) * plotH;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double a = yLo; a <= yHi + 1e-9; a += 0.05) {
            int yy = (int) y.applyAsDouble(a);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(left, yy, left + plotW, yy);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", a * 100), left - 40, yy + 4);
        }
        for (int t = 0; t <= 5; t++) {
            double v = xMax * t / 5;
            int xx = (int) x.applyAsDouble(v);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(xx, top + plotH, xx, top + plotH + 4);
            g.drawString(String.format(Locale.ROOT, "%.0f", v), xx - 15, top + plotH + 18);
        }
        g.drawRect(left, top, plotW, plotH);
        g.drawString(xLabel, left + 20, height - 20);
        g.drawString("k-NN top-1", 8, top - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int legendY = top + 10;
        if (Double.isFinite(raw)) {
            int yy = (int) y.applyAsDouble(raw);
            g.setColor(Color.RED);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            g.drawLine(left, yy, left + plotW, yy);
            legendY = legend(g, String.format(Locale.ROOT, "raw pixels %.1f%%", 100 * raw), Color.RED, left + plotW,
                    legendY);
        }
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            Color c = SERIES[s % SERIES.length];
            Path2D.Double line = new Path2D.Double();
            g.setColor(c);
            for (int i = 0; i < ser.x().length; i++) {
                double px = x.applyAsDouble(ser.x()[i]);
                double py = y.applyAsDouble(ser.y()[i]);
                if (i == 0) line.moveTo(px, py);
                else line.lineTo(px, py);
                g.fillOval((int) px - 3, (int) py - 3, 6, 6);
            }
            g.setStroke(new BasicStroke(2f));
            g.draw(line);
            legendY = legend(g, String.format(Locale.ROOT, "%s %.1f%%", ser.label(), 100 * ser.y()[ser.y().length - 1]),
                    c, left + plotW, legendY);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static int legend(Graphics2D g, String label, Color c, int x, int y) {
        g.setStroke(new BasicStroke(1f));
        g.setColor(c);
        g.fillRect(x + 12, y - 8, 14, 8);
        g.setColor(Color.BLACK);
        g.drawString(label, x + 32, y);
        return y + 18;
    }
}
