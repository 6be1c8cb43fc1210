package io.extrema.ops.dashboard;

import io.extrema.model.Rows;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The 2-D map of recent embeddings: PCA (top two principal axes by power iteration with deflation) over the
 * L2-normalised embeddings of the newest model version only; two versions embed into different spaces and
 * sharing one projection would mix them.
 */
final class EmbeddingMap {
    /** One embedding remembered for the map. */
    record Point(String id, String label, String source, String model, long version, float[] vector) {}

    private static final int ITERATIONS = 60;

    static Map<String, Object> project(Collection<Point> recent) {
        long version = recent.stream().mapToLong(Point::version).max().orElse(-1);
        List<Point> points = new ArrayList<>();
        int dim = -1;
        for (Point p : recent) {
            if (p.version() == version && (dim < 0 || p.vector().length == dim)) {
                dim = p.vector().length;
                points.add(p);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", version);
        List<Map<String, Object>> rows = new ArrayList<>();
        out.put("points", rows);
        if (points.size() < 3 || dim < 2) {
            return out;
        }
        int n = points.size();
        double[][] x = new double[n][dim]; // [N, D] normalised, then centred
        double[] mean = new double[dim];
        for (int i = 0; i < n; i++) {
            float[] unit = Rows.normalised(points.get(i).vector());
            for (int d = 0; d < dim; d++) {
                x[i][d] = unit[d];
                mean[d] += x[i][d] / n;
            }
        }
        for (double[] row : x) {
            for (int d = 0; d < dim; d++) {
                row[d] -= mean[d];
            }
        }
        double[] axis1 = principalAxis(x, null);
        double[] axis2 = principalAxis(x, axis1);
        for (int i = 0; i < n; i++) {
            Point p = points.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", p.id());
            row.put("x", dot(x[i], axis1));
            row.put("y", dot(x[i], axis2));
            row.put("label", p.label());
            row.put("source", p.source());
            rows.add(row);
        }
        return out;
    }

    /** The top eigenvector of XᵀX, orthogonal to {@code except}; sign fixed so the map does not flip between updates. */
    private static double[] principalAxis(double[][] x, double[] except) {
        int dim = x[0].length;
        double[] v = new double[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = 1.0 / Math.sqrt(dim) * (1 + 0.01 * d); // deterministic start, not orthogonal to anything typical
        }
        for (int it = 0; it < ITERATIONS; it++) {
            double[] next = new double[dim];
            for (double[] row : x) {
                double s = dot(row, v);
                for (int d = 0; d < dim; d++) {
                    next[d] += s * row[d];
                }
            }
            if (except != null) {
                double s = dot(next, except);
                for (int d = 0; d < dim; d++) {
                    next[d] -= s * except[d];
                }
            }
            double norm = Math.sqrt(dot(next, next));
            if (norm == 0) {
                break;
            }
            for (int d = 0; d < dim; d++) {
                v[d] = next[d] / norm;
            }
        }
        int largest = 0;
        for (int d = 1; d < dim; d++) {
            if (Math.abs(v[d]) > Math.abs(v[largest])) {
                largest = d;
            }
        }
        if (v[largest] < 0) {
            for (int d = 0; d < dim; d++) {
                v[d] = -v[d];
            }
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private EmbeddingMap() {}
}
