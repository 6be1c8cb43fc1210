package io.extrema.serving.monitor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What one source's drift is measured against: the previous window's centroid and the baseline (the first
 * {@code baseline.windows} windows), both of ONE model version. A window of another version starts a new
 * reference instead of being compared, because two model versions embed into different spaces.
 */
public record DriftReference(
        String modelName, long version, double[] previous, double[] baselineSum, int baselineWindows) {

    /** A fresh reference started by a window of a version never seen before for this source. */
    public static DriftReference startedBy(WindowStats window) {
        return new DriftReference(window.modelName(), window.version(), window.vectorSum(), window.vectorSum(), 1);
    }

    /** True when {@code window} embeds into the same space as this reference and can be compared with it. */
    public boolean comparable(WindowStats window) {
        return version == window.version()
                && modelName.equals(window.modelName())
                && previous.length == window.dimension();
    }

    public boolean baselineComplete(int baselineWindowCount) {
        return baselineWindows >= baselineWindowCount;
    }

    /** The reference after {@code window}: it becomes the previous one and, while the baseline fills, part of it. */
    public DriftReference after(WindowStats window, int baselineWindowCount) {
        double[] sum = window.vectorSum();
        if (baselineComplete(baselineWindowCount)) {
            return new DriftReference(modelName, version, sum, baselineSum, baselineWindows);
        }
        double[] baseline = baselineSum.clone();
        for (int i = 0; i < baseline.length; i++) {
            baseline[i] += sum[i];
        }
        return new DriftReference(modelName, version, sum, baseline, baselineWindows + 1);
    }

    /** 1 - cos(a, b); scale-free, so sums stand in for centroids. NaN when either is zero. */
    public static double cosineDistance(double[] a, double[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? Double.NaN : 1.0 - dot / Math.sqrt(na * nb);
    }

    public static final Serde<DriftReference> SERDE = Serdes.serdeFrom(
            (topic, r) -> r == null ? null : write(r), (topic, bytes) -> bytes == null ? null : read(bytes));

    private static byte[] write(DriftReference r) {
        try (ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 + 16 * r.previous.length);
                DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeUTF(r.modelName);
            out.writeLong(r.version);
            out.writeInt(r.baselineWindows);
            out.writeInt(r.previous.length);
            for (int i = 0; i < r.previous.length; i++) {
                out.writeDouble(r.previous[i]);
                out.writeDouble(r.baselineSum[i]);
            }
            out.flush();
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static DriftReference read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            String modelName = in.readUTF();
            long version = in.readLong();
            int windows = in.readInt();
            int dim = in.readInt();
            double[] previous = new double[dim];
            double[] baseline = new double[dim];
            for (int i = 0; i < dim; i++) {
                previous[i] = in.readDouble();
                baseline[i] = in.readDouble();
            }
            return new DriftReference(modelName, version, previous, baseline, windows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
