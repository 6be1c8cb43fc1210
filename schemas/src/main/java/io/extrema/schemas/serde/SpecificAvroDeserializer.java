package io.extrema.schemas.serde;

import io.extrema.schemas.registry.SchemaRegistryClient;
import io.extrema.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads Confluent wire format into a generated Avro class with schema resolution: the writer schema is fetched by
 * the id in the header (once per id), the reader schema is the class's own, so records written with an older or
 * newer compatible schema are read correctly. {@code null} reads as {@code null}. Bytes that cannot be read fail
 * with a {@link WireFormatException} subclass that says why. Thread-safe; the decoder is reused per thread.
 */
public class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

    private Class<T> type;
    private Schema readerSchema;
    private SpecificData model;
    private final ConcurrentMap<Integer, Resolution<T>> resolutions = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;

    /** How records of one writer schema id are read: a reader, or why they cannot be. */
    private record Resolution<T>(DatumReader<T> reader, String incompatibility) {}

    public SpecificAvroDeserializer(Class<T> type) {
        readInto(type);
    }

    /**
     * For Kafka's construction by class name ({@code value.deserializer}): {@link #configure} then takes the record
     * class from {@code specific.avro.value.type} (or {@code specific.avro.key.type}).
     */
    public SpecificAvroDeserializer() {}

    private void readInto(Class<T> type) {
        this.type = type;
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
    }

    /** With a ready client (shared caches); {@link #configure} is then optional. */
    public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this(type);
        this.registry = registry;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        if (type == null) {
            Class<?> configured = config.specificType(isKey);
            if (configured == null || !SpecificRecord.class.isAssignableFrom(configured)) {
                throw new ConfigException(
                        isKey ? AvroSerdeConfig.SPECIFIC_KEY_TYPE : AvroSerdeConfig.SPECIFIC_VALUE_TYPE,
                        configured,
                        "a generated Avro class is needed when the deserializer is built by class name");
            }
            readInto((Class<T>) configured);
        }
        if (registry == null) {
            registry = new SchemaRegistryClient(config);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : read(topic, data, 0, data.length);
    }

    @Override
    public T deserialize(String topic, Headers headers, ByteBuffer data) {
        if (data == null) {
            return null;
        }
        // Read in place when the consumer hands us a heap buffer: no copy of the record.
        return data.hasArray()
                ? read(topic, data.array(), data.arrayOffset() + data.position(), data.remaining())
                : read(topic, Utils.toArray(data), 0, data.remaining());
    }

    private T read(String topic, byte[] data, int offset, int length) {
        int id = WireFormat.schemaId(topic, data, offset, length);
        if (type == null) {
            throw new IllegalStateException("deserializer has no record class: construct it with one or configure "
                    + AvroSerdeConfig.SPECIFIC_VALUE_TYPE);
        }
        Resolution<T> resolution = resolution(topic, id);
        if (resolution.reader() == null) {
            throw new IncompatibleWriterSchemaException(
                    topic, id, readerSchema.getFullName(), resolution.incompatibility());
        }
        int bodyLength = length - WireFormat.HEADER_SIZE;
        BinaryDecoder decoder =
                DecoderFactory.get().binaryDecoder(data, offset + WireFormat.HEADER_SIZE, bodyLength, DECODER.get());
        DECODER.set(decoder);
        T record;
        try {
            record = resolution.reader().read(null, decoder);
            if (!decoder.isEnd()) {
                // Left-over bytes mean the header's schema is not the one the body was written with.
                throw new MalformedPayloadException(
                        "the " + readerSchema.getName() + " on topic " + topic
                                + " (schema id " + id + ") is complete before the end of its " + bodyLength
                                + "-byte body: trailing bytes",
                        null);
            }
        } catch (EOFException e) {
            throw new TruncatedPayloadException(
                    "the Avro body on topic " + topic + " (schema id " + id + ", " + bodyLength
                            + " bytes) ends before the " + readerSchema.getName() + " is complete",
                    e);
        } catch (IOException
                | AvroRuntimeException
                | IndexOutOfBoundsException
                | NegativeArraySizeException
                | ClassCastException e) {
            throw new MalformedPayloadException(
                    "cannot read the Avro body on topic " + topic + " (schema id " + id + ") as "
                            + readerSchema.getName() + ": " + e,
                    e);
        }
        return record;
    }

    private Resolution<T> resolution(String topic, int id) {
        Resolution<T> known = resolutions.get(id);
        if (known != null) {
            return known;
        }
        if (registry == null) {
            throw new IllegalStateException(
                    "deserializer not configured: call configure(...) or pass a registry client");
        }
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new UnknownSchemaIdException(topic, id, e);
            }
            throw e; // the registry is unreachable: not this record's fault
        }
        SchemaCompatibility.SchemaPairCompatibility check =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        Resolution<T> resolution = check.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE
                ? new Resolution<>(new SpecificDatumReader<>(writer, readerSchema, model), null)
                : new Resolution<>(null, check.getDescription());
        Resolution<T> previous = resolutions.putIfAbsent(id, resolution);
        return previous != null ? previous : resolution;
    }

    /** The generated class this deserializer reads. */
    public Class<T> type() {
        return type;
    }

    @Override
    public void close() {
        // Nothing to release: the registry client holds no open resources.
    }
}
