package io.extrema.serving.monitor;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
            (topic, o) -> o == null ? null : write(o),
            (topic, bytes) -> bytes == null ? null : read(bytes));

    private static byte[] write(Observation o) {
        try (ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 + (o.vector == null ? 0 : 4 * o.vector.length));
             DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeUTF(o.source);
            out.writeUTF(o.modelName);
            out.writeLong(o.modelVersion);
            out.writeInt(o.vector == null ? -1 : o.vector.length);
            if (o.vector != null) {
                for (float v : o.vector) {
                    out.writeFloat(v);
                }
            }
            out.flush();
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Observation read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            String source = in.readUTF();
            String modelName = in.readUTF();
            long version = in.readLong();
            int dim = in.readInt();
            float[] vector = null;
            if (dim >= 0) {
                vector = new float[dim];
                for (int i = 0; i < dim; i++) {
                    vector[i] = in.readFloat();
                }
            }
            return new Observation(source, modelName, version, vector);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
