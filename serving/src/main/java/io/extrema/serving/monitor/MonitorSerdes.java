package io.extrema.serving.monitor;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.registry.SchemaRegistryClient;
import io.extrema.schemas.serde.SpecificAvroSerde;
import java.util.Map;

/** The Avro serdes of the topics the monitor reads and writes, sharing one registry client. */
public record MonitorSerdes(
        SpecificAvroSerde<EmbeddingRecord> embeddings,
        SpecificAvroSerde<DeadLetter> deadLetters,
        SpecificAvroSerde<ImageRecord> images,
        SpecificAvroSerde<TrainingMetrics> metrics,
        SpecificAvroSerde<MonitorRecord> monitor,
        SpecificAvroSerde<AlertRecord> alerts) {

    /** Serdes for values, configured with the Confluent serde settings (schema.registry.url, ...). */
    public static MonitorSerdes of(Map<String, ?> serdeConfigs) {
        SchemaRegistryClient registry = new SchemaRegistryClient(serdeConfigs);
        return new MonitorSerdes(
                serde(EmbeddingRecord.class, registry, serdeConfigs),
                serde(DeadLetter.class, registry, serdeConfigs),
                serde(ImageRecord.class, registry, serdeConfigs),
                serde(TrainingMetrics.class, registry, serdeConfigs),
                serde(MonitorRecord.class, registry, serdeConfigs),
                serde(AlertRecord.class, registry, serdeConfigs));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> SpecificAvroSerde<T> serde(
            Class<T> type, SchemaRegistryClient registry, Map<String, ?> configs) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type, registry);
        serde.configure(configs, false);
        return serde;
    }
}
