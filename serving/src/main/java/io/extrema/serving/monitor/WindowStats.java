package io.extrema.serving.monitor;

import io.extrema.model.Rows;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The running sums of one source's window: everything the window's statistics need, kept as sums so that one
 * record updates them in O(dimension) and the store holds 2 * dimension doubles per window, not the embeddings.
 * The vector sums describe the newest model version seen in the window only; embeddings of an older version that
 * arrive in the same window are counted but kept out of the centroid and spread, which would mix two spaces.
 */
public final class WindowStats {
    long count;
    double sumNorm;
    long deadLetters;
    String modelName = "";
    final TreeSet<Long> versions = new TreeSet<>();
    long version = -1;
    long versionCount;
    double[] sum = new double[0]; // [D] sum of L2-normalised embeddings of `version`
    double[] sumSq = new double[0]; // [D] sum of their squares

    /** Folds one observation in; returns this (a Kafka Streams aggregator). */
    public WindowStats add(Observation o) {
        if (o.isDeadLetter()) {
            deadLetters++;
            return this;
        }
        float[] v = o.vector();
        double norm = Rows.norm(v);
        count++;
        sumNorm += norm;
        versions.add(o.modelVersion());
        if (!o.modelName().isEmpty()) {
            modelName = o.modelName();
        }
        if (!joinsVectorSums(o.modelVersion(), v.length)) {
            return this;
        }
        double inv = norm > 0 ? 1.0 / norm : 0.0;
        for (int i = 0; i < v.length; i++) {
            double x = v[i] * inv;
            sum[i] += x;
            sumSq[i] += x * x;
        }
        versionCount++;
        return this;
    }

    /**
     * Folds in the sums of the observations that followed, in arrival order, those already folded in (a pane's
     * partial, see {@link WindowPartials}); the same as adding them one by one provided that no observation among
     * them {@linkplain #restartsVectorSums restarted the partial's vector sums}. Returns this (an aggregator).
     */
    public WindowStats merge(WindowStats partial) {
        count += partial.count;
        sumNorm += partial.sumNorm;
        deadLetters += partial.deadLetters;
        versions.addAll(partial.versions);
        if (!partial.modelName.isEmpty()) {
            modelName = partial.modelName;
        }
        if (partial.versionCount == 0 || !joinsVectorSums(partial.version, partial.sum.length)) {
            return this;
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] += partial.sum[i];
            sumSq[i] += partial.sumSq[i];
        }
        versionCount += partial.versionCount;
        return this;
    }

    /**
     * Whether {@code o} would restart the vector sums within their version (another dimension). A partial holding
     * such a restart cannot be merged as its observations would have been added: a window whose sums have the
     * dimension the partial ends with would keep them, where adding one by one drops them. So the partial is sent on
     * before {@code o}.
     */
    boolean restartsVectorSums(Observation o) {
        return !o.isDeadLetter() && o.modelVersion() == version && o.vector().length != sum.length;
    }

    /**
     * Whether embeddings of this version and dimension join the vector sums: an older version is kept out; a newer
     * version (or another dimension) starts the sums afresh.
     */
    private boolean joinsVectorSums(long modelVersion, int dimension) {
        if (modelVersion < version) {
            return false;
        }
        if (modelVersion > version || sum.length != dimension) {
            version = modelVersion;
            versionCount = 0;
            sum = new double[dimension];
            sumSq = new double[dimension];
        }
        return true;
    }

    public long count() {
        return count;
    }

    public long deadLetters() {
        return deadLetters;
    }

    public String modelName() {
        return modelName;
    }

    public long version() {
        return Math.max(version, 0);
    }

    public List<Long> versions() {
        return List.copyOf(versions);
    }

    public int dimension() {
        return sum.length;
    }

    public double meanNorm() {
        return count == 0 ? 0 : sumNorm / count;
    }

    /** Mean over dimensions of the standard deviation of the normalised embeddings of {@link #version()}. */
    public double spread() {
        if (versionCount == 0 || sum.length == 0) {
            return 0;
        }
        double total = 0;
        for (int i = 0; i < sum.length; i++) {
            double mean = sum[i] / versionCount;
            total += Math.sqrt(Math.max(0, sumSq[i] / versionCount - mean * mean));
        }
        return total / sum.length;
    }

    /** Sum of the normalised embeddings of {@link #version()}: the centroid up to scale, which cosine ignores. */
    public double[] vectorSum() {
        return sum.clone();
    }

    public long versionCount() {
        return versionCount;
    }

    public double deadLetterShare() {
        long all = count + deadLetters;
        return all == 0 ? 0 : (double) deadLetters / all;
    }

    /** Serde of the window store: a flat binary layout, 16 bytes per dimension. */
    public static final Serde<WindowStats> SERDE = Serdes.serdeFrom(
            (topic, s) -> s == null ? null : write(s), (topic, bytes) -> bytes == null ? null : read(bytes));

    private static byte[] write(WindowStats s) {
        ByteBuffer b = ByteBuffer.allocate(s.serializedSize());
        s.writeTo(b);
        return b.array();
    }

    private static WindowStats read(byte[] bytes) {
        return readFrom(ByteBuffer.wrap(bytes));
    }

    /** Bytes {@link #writeTo} takes. */
    int serializedSize() {
        int name = modelName.getBytes(StandardCharsets.UTF_8).length;
        return 3 * 8 + 4 + name + 4 + 8 * versions.size() + 2 * 8 + 4 + 16 * sum.length;
    }

    /** Writes the store layout at the buffer's position and moves past it. */
    void writeTo(ByteBuffer b) {
        byte[] name = modelName.getBytes(StandardCharsets.UTF_8);
        b.putLong(count)
                .putDouble(sumNorm)
                .putLong(deadLetters)
                .putInt(name.length)
                .put(name);
        b.putInt(versions.size());
        versions.forEach(b::putLong);
        b.putLong(version).putLong(versionCount).putInt(sum.length);
        b.asDoubleBuffer().put(sum).put(sumSq);
        b.position(b.position() + 16 * sum.length);
    }

    /** Reads what {@link #writeTo} wrote, from the buffer's position. */
    static WindowStats readFrom(ByteBuffer b) {
        WindowStats s = new WindowStats();
        s.count = b.getLong();
        s.sumNorm = b.getDouble();
        s.deadLetters = b.getLong();
        byte[] name = new byte[b.getInt()];
        b.get(name);
        s.modelName = new String(name, StandardCharsets.UTF_8);
        for (int i = b.getInt(); i > 0; i--) {
            s.versions.add(b.getLong());
        }
        s.version = b.getLong();
        s.versionCount = b.getLong();
        int dim = b.getInt();
        s.sum = new double[dim];
        s.sumSq = new double[dim];
        b.asDoubleBuffer().get(s.sum).get(s.sumSq);
        b.position(b.position() + 16 * dim);
        return s;
    }
}
