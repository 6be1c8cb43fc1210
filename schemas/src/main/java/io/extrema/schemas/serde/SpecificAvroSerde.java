package io.extrema.schemas.serde;

import io.extrema.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serializer and deserializer of one generated Avro class, sharing one registry client and its caches.
 * For Kafka Streams: {@code SpecificAvroSerde.forValues(ImageRecord.class, Map.of("schema.registry.url", url))}.
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final Class<T> type;
    private SpecificAvroSerializer<T> serializer;
    private SpecificAvroDeserializer<T> deserializer;

    /** Unconfigured: {@link #configure} creates the registry client. */
    public SpecificAvroSerde(Class<T> type) {
        this.type = type;
    }

    /** With a ready client; {@link #configure} then only reads the serde settings. */
    public SpecificAvroSerde(Class<T> type, SchemaRegistryClient registry) {
        this.type = type;
        use(registry);
    }

    /** A serde for record values, configured. */
    public static <T extends SpecificRecord> SpecificAvroSerde<T> forValues(Class<T> type, Map<String, ?> configs) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(configs, false);
        return serde;
    }

    /** A serde for record keys, configured. */
    public static <T extends SpecificRecord> SpecificAvroSerde<T> forKeys(Class<T> type, Map<String, ?> configs) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(configs, true);
        return serde;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (serializer == null) {
            use(new SchemaRegistryClient(new AvroSerdeConfig(configs)));
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    private void use(SchemaRegistryClient registry) {
        serializer = new SpecificAvroSerializer<>(registry);
        deserializer = new SpecificAvroDeserializer<>(type, registry);
    }

    @Override
    public Serializer<T> serializer() {
        requireConfigured();
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        requireConfigured();
        return deserializer;
    }

    private void requireConfigured() {
        if (serializer == null) {
            throw new IllegalStateException("SpecificAvroSerde<" + type.getSimpleName() + "> is not configured");
        }
    }

    @Override
    public void close() {
        if (serializer != null) {
            serializer.close();
            deserializer.close();
        }
    }
}
