package io.extrema.serving.monitor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One thing that happened to a source: an embedding ({@code vector} set) or a dead-lettered record ({@code vector}
 * null). Embeddings are keyed by image id, so they are re-keyed by source and repartitioned in this compact form
 * (4 bytes per dimension) rather than as whole Avro records.
 */
public record Observation(String source, String modelName, long modelVersion, float[] vector) {

    public static Observation deadLetter(String source) {
        return new Observation(source, "", -1, null);
    }

    public boolean isDeadLetter() {
        return vector == null;
    }

    public static final Serde<Observation> SERDE = Serdes.serdeFrom(
            (topic, o) -> o == null ? null : write(o), (topic, bytes) -> bytes == null ? null : read(bytes));

    private static byte[] write(Observation o) {
        byte[] source = o.source.getBytes(StandardCharsets.UTF_8);
        byte[] model = o.modelName.getBytes(StandardCharsets.UTF_8);
        int dim = o.vector == null ? -1 : o.vector.length;
        ByteBuffer b = ByteBuffer.allocate(4 + source.length + 4 + model.length + 8 + 4 + 4 * Math.max(dim, 0));
        b.putInt(source.length)
                .put(source)
                .putInt(model.length)
                .put(model)
                .putLong(o.modelVersion)
                .putInt(dim);
        if (dim > 0) {
            b.asFloatBuffer().put(o.vector);
        }
        return b.array();
    }

    private static Observation read(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] source = new byte[b.getInt()];
        b.get(source);
        byte[] model = new byte[b.getInt()];
        b.get(model);
        long version = b.getLong();
        int dim = b.getInt();
        float[] vector = null;
        if (dim >= 0) {
            vector = new float[dim];
            b.asFloatBuffer().get(vector);
        }
        return new Observation(
                new String(source, StandardCharsets.UTF_8), new String(model, StandardCharsets.UTF_8), version, vector);
    }
}
