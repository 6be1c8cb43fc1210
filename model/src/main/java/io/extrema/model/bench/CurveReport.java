package io.extrema.model.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Writes a learning curve as CSV and as a PNG plot of k-NN accuracy against training minutes. */
final class CurveReport {

    private static final Color[] SERIES = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd)};

    private CurveReport() {
    }

    /** One row per point; knn columns in the order of the first point's keys. */
    static void writeCsv(Path file, List<CurvePoint> curve, double rawPixels) throws IOException {
        List<String> keys = new ArrayList<>(curve.get(0).knn().keySet());
        keys.sort(null);
        try (Writer w = Files.newBufferedWriter(file)) {
            w.write("minute,step,images,loss,projection_spread,skipped,feature_std");
            for (String k : keys) w.write(",knn_" + k);
            w.write(",knn_raw_pixels\n");
            for (CurvePoint p : curve) {
                w.write(String.format(Locale.ROOT, "%.3f,%d,%d,%.5f,%.4f,%d,%.4f", p.minutes(), p.step(), p.images(),
                        p.loss(), p.spread(), p.skipped(), p.featureStd()));
                for (String k : keys) w.write(String.format(Locale.ROOT, ",%.4f", p.knn().get(k)));
                w.write(String.format(Locale.ROOT, ",%.4f%n", rawPixels));
            }
        }
    }

    /** Accuracy (%) against minutes, one line per feature, dashed lines for raw pixels and random init. */
    static void writePng(Path file, List<CurvePoint> curve, double rawPixels, String title) throws IOException {
        int width = 900;
        int height = 560;
        int left = 70;
        int right = 190;
        int top = 50;
        int bottom = 60;
        List<String> keys = new ArrayList<>(curve.get(0).knn().keySet());
        keys.sort(null);
        boolean hasInit = curve.get(0).step() == 0;
        double randomInit = hasInit ? curve.get(0).knn().get(FeatureKind.HEADLINE) : rawPixels;
        double maxMinutes = Math.max(1e-9, curve.get(curve.size() - 1).minutes());
        double lo = Math.min(rawPixels, randomInit);
        double hi = Math.max(rawPixels, randomInit);
        for (CurvePoint p : curve) for (double v : p.knn().values()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        lo = Math.max(0, Math.floor(lo * 20 - 1) / 20);
        hi = Math.min(1, Math.ceil(hi * 20 + 1) / 20);
        double yLo = lo;
        double yHi = hi;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        java.util.function.DoubleUnaryOperator x = m -> left + m / maxMinutes * plotW;
        java.util.function.DoubleUnaryOperator y = a -> top + (1 - (a - yLo) / (yHi - yLo)) * plotH;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double a = yLo; a <= yHi + 1e-9; a += 0.05) {
            int yy = (int) y.applyAsDouble(a);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(left, yy, left + plotW, yy);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", a * 100), left - 40, yy + 4);
        }
        double tick = maxMinutes > 20 ? 5 : (maxMinutes > 5 ? 1 : 0.5);
        for (double m = 0; m <= maxMinutes + 1e-9; m += tick) {
            int xx = (int) x.applyAsDouble(m);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(xx, top + plotH, xx, top + plotH + 4);
            g.drawString(String.format(Locale.ROOT, "%.1f", m), xx - 10, top + plotH + 18);
        }
        g.drawRect(left, top, plotW, plotH);
        g.drawString("training wall-clock minutes (evaluation excluded)", left + plotW / 2 - 150, height - 20);
        g.drawString("k-NN top-1", 8, top - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        int legendY = top + 10;
        legendY = reference(g, "raw pixels " + pct(rawPixels), Color.RED, y.applyAsDouble(rawPixels), left, plotW, legendY);
        if (hasInit) {
            legendY = reference(g, "random init (" + FeatureKind.HEADLINE + ") " + pct(randomInit), Color.GRAY,
                    y.applyAsDouble(randomInit), left, plotW, legendY);
        }
        for (int s = 0; s < keys.size(); s++) {
            String key = keys.get(s);
            Color c = SERIES[s % SERIES.length];
            Path2D.Double line = new Path2D.Double();
            for (int i = 0; i < curve.size(); i++) {
                double px = x.applyAsDouble(curve.get(i).minutes());
                double py = y.applyAsDouble(curve.get(i).knn().get(key));
                if (i == 0) line.moveTo(px, py);
                else line.lineTo(px, py);
                g.setColor(c);
                g.fillOval((int) px - 3, (int) py - 3, 6, 6);
            }
            g.setStroke(new BasicStroke(2f));
            g.draw(line);
            g.setStroke(new BasicStroke(1f));
            double last = curve.get(curve.size() - 1).knn().get(key);
            legendY = legend(g, key + " " + pct(last), c, left + plotW, legendY);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static int reference(Graphics2D g, String label, Color c, double yy, int left, int plotW, int legendY) {
        g.setColor(c);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        g.drawLine(left, (int) yy, left + plotW, (int) yy);
        g.setStroke(new BasicStroke(1f));
        return legend(g, label, c, left + plotW, legendY);
    }

    private static int legend(Graphics2D g, String label, Color c, int x, int y) {
        g.setColor(c);
        g.fillRect(x + 12, y - 8, 14, 8);
        g.setColor(Color.BLACK);
        g.drawString(label, x + 32, y);
        return y + 18;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", v * 100);
    }
}
