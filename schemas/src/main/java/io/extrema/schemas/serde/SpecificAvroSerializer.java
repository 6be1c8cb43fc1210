package io.extrema.schemas.serde;

import io.extrema.schemas.registry.SchemaRegistryClient;
import io.extrema.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes generated Avro records in Confluent wire format. The schema is registered under {@code <topic>-key} or
 * {@code <topic>-value} on first use (or, with {@code auto.register.schemas=false}, its id is looked up there); the
 * id is cached, so after the first record no registry request is made. {@code null} is written as {@code null}
 * (a tombstone). Thread-safe; the encoder and its buffer are reused per thread.
 */
public class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    /** Per thread: the output buffer and the encoder writing into it. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final ConcurrentMap<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;
    private boolean isKey;
    private boolean autoRegister = true;

    /** For Kafka's reflective construction: {@link #configure} creates the registry client. */
    public SpecificAvroSerializer() {}

    /** With a ready client (shared caches); {@link #configure} then only reads the serde settings. */
    public SpecificAvroSerializer(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        if (registry == null) {
            registry = new SchemaRegistryClient(config);
        }
        this.isKey = isKey;
        this.autoRegister = config.autoRegisterSchemas();
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        if (registry == null) {
            throw new IllegalStateException("serializer not configured: call configure(...) or pass a registry client");
        }
        Schema schema = record.getSchema();
        int id = schemaId(topic, schema);
        Scratch scratch = SCRATCH.get();
        scratch.out.reset();
        scratch.encoder = EncoderFactory.get().directBinaryEncoder(scratch.out, scratch.encoder);
        try {
            writer(schema).write(record, scratch.encoder);
            scratch.encoder.flush();
        } catch (IOException | AvroRuntimeException | NullPointerException | ClassCastException e) {
            // A required field left null, or a value of the wrong type: the record itself is bad.
            throw new SerializationException(
                    "cannot write " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
        return scratch.out.toByteArray(id);
    }

    private int schemaId(String topic, Schema schema) {
        String subject = WireFormat.subject(topic, isKey);
        try {
            return autoRegister ? registry.register(subject, schema) : registry.idOf(subject, schema);
        } catch (SchemaRegistryException e) {
            if (e.isIncompatible() || e.isNotFound()) {
                // The registry refuses this schema here: no retry can fix it, so it is this record's failure.
                throw new SerializationException(
                        (e.isIncompatible()
                                        ? "schema " + schema.getFullName() + " is incompatible with subject " + subject
                                        : "schema " + schema.getFullName() + " is not registered under subject "
                                                + subject + " and auto.register.schemas=false")
                                + ": " + e.getMessage(),
                        e);
            }
            throw e;
        }
    }

    private DatumWriter<T> writer(Schema schema) {
        // The generated class's own SpecificData carries its logical-type conversions (timestamp-millis -> Instant).
        return writers.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
    }

    @Override
    public void close() {
        // The registry client holds no resources that need closing; caches go with this object.
    }

    /** A growable byte buffer that leaves room for the wire header, and the encoder that writes into it. */
    private static final class Scratch {
        final Output out = new Output();
        BinaryEncoder encoder;
    }

    private static final class Output extends OutputStream {
        private byte[] buf = new byte[4096];
        private int size;

        void reset() {
            size = WireFormat.HEADER_SIZE;
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        byte[] toByteArray(int schemaId) {
            WireFormat.writeHeader(buf, schemaId);
            return Arrays.copyOf(buf, size);
        }
    }
}
