package io.extrema.model.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;

/**
 * A k-NN accuracy chart: solid lines with points for curves, dashed horizontal lines for references (raw pixels,
 * random init), a legend on the right with each curve's last value. The one plotting code behind every learning
 * chart (a single run's curve and the recipe comparisons).
 */
final class CurvePlot {

    private static final Color[] SERIES = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x17becf),
        new Color(0xbcbd22)
    };
    private static final int WIDTH = 920;
    private static final int HEIGHT = 540;
    private static final int LEFT = 70;
    private static final int RIGHT = 250;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private record Curve(String label, double[] x, double[] y) {}

    private record Reference(String label, double value, Color colour) {}

    private final String title;
    private final String xLabel;
    private final List<Curve> curves = new ArrayList<>();
    private final List<Reference> references = new ArrayList<>();

    CurvePlot(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    /** A curve; y are accuracies in [0, 1]. */
    CurvePlot curve(String label, double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) throw new IllegalArgumentException("curve " + label + " is empty");
        curves.add(new Curve(label, x, y));
        return this;
    }

    /** A dashed horizontal line across the chart, e.g. the raw-pixel baseline; NaN values are left out. */
    CurvePlot reference(String label, double value, Color colour) {
        if (Double.isFinite(value)) references.add(new Reference(label, value, colour));
        return this;
    }

    void write(Path file) throws IOException {
        double xMax = 1e-9;
        double lo = 1;
        double hi = 0;
        for (Curve c : curves) {
            for (double v : c.x()) xMax = Math.max(xMax, v);
            for (double v : c.y()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        for (Reference r : references) {
            lo = Math.min(lo, r.value());
            hi = Math.max(hi, r.value());
        }
        double yLo = Math.max(0, Math.floor(lo * 20 - 0.5) / 20);
        double yHi = Math.min(1, Math.ceil(hi * 20 + 0.5) / 20);
        double xEnd = xMax;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        DoubleUnaryOperator x = v -> LEFT + v / xEnd * plotW;
        DoubleUnaryOperator y = a -> TOP + (1 - (a - yLo) / (yHi - yLo)) * plotH;

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double a = yLo; a <= yHi + 1e-9; a += 0.05) {
            int yy = (int) y.applyAsDouble(a);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(LEFT, yy, LEFT + plotW, yy);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", a * 100), LEFT - 40, yy + 4);
        }
        double tick = niceTick(xEnd);
        for (double v = 0; v <= xEnd + 1e-9; v += tick) {
            int xx = (int) x.applyAsDouble(v);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(xx, TOP + plotH, xx, TOP + plotH + 4);
            String label = tick >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
            g.drawString(label, xx - 4 * label.length(), TOP + plotH + 18);
        }
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.drawString(xLabel, LEFT + 20, HEIGHT - 20);
        g.drawString("k-NN top-1", 8, TOP - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        int legendY = TOP + 10;
        BasicStroke dashed =
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
        for (Reference r : references) {
            int yy = (int) y.applyAsDouble(r.value());
            g.setColor(r.colour());
            g.setStroke(dashed);
            g.drawLine(LEFT, yy, LEFT + plotW, yy);
            legendY = legend(g, r.label() + " " + pct(r.value()), r.colour(), LEFT + plotW, legendY);
        }
        for (int s = 0; s < curves.size(); s++) {
            Curve c = curves.get(s);
            Color colour = SERIES[s % SERIES.length];
            Path2D.Double line = new Path2D.Double();
            g.setColor(colour);
            for (int i = 0; i < c.x().length; i++) {
                double px = x.applyAsDouble(c.x()[i]);
                double py = y.applyAsDouble(c.y()[i]);
                if (i == 0) line.moveTo(px, py);
                else line.lineTo(px, py);
                g.fillOval((int) px - 3, (int) py - 3, 6, 6);
            }
            g.setStroke(new BasicStroke(2f));
            g.draw(line);
            legendY = legend(g, c.label() + " " + pct(c.y()[c.y().length - 1]), colour, LEFT + plotW, legendY);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** About five to ten ticks at 1, 2 or 5 times a power of ten. */
    private static double niceTick(double range) {
        double raw = range / 6;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5}) if (m * power >= raw) return m * power;
        return 10 * power;
    }

    private static int legend(Graphics2D g, String label, Color c, int x, int y) {
        g.setStroke(new BasicStroke(1f));
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
