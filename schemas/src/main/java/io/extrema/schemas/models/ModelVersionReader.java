package io.extrema.schemas.models;

import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.UnreadableRecords;
import io.extrema.schemas.serde.WireFormatException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks one verified model version off the models topic, for those who load a version once (eval, warm start). */
public final class ModelVersionReader {
    private static final Logger log = LoggerFactory.getLogger(ModelVersionReader.class);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private ModelVersionReader() {}

    /**
     * Reads the models topic from its beginning to its end, reassembling and verifying every version. A record that
     * cannot be read (its schema lost, not the wire format) is skipped and logged, as every models-topic reader does.
     *
     * @param clients settings of the consumer (bootstrap servers, security); it joins no group and commits nothing
     * @param serde   the registry URL and credentials, for the parts' deserializer
     * @param lineage only versions of this model name; empty for any
     * @param version the version wanted; 0 for the newest verified one
     * @return the version, or empty when the topic holds no such verified version (retired or never published)
     */
    public static Optional<ModelVersion> read(
            Map<String, Object> clients, Map<String, Object> serde, String topic, String lineage, long version) {
        Map<String, Object> props = new HashMap<>(clients);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        ModelVersionAssembler assembler = new ModelVersionAssembler();
        UnreadableRecords unreadable = new UnreadableRecords(log, "the model version reader");
        ModelVersion chosen = null;
        try (KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                SpecificAvroDeserializer<ModelPart> parts = new SpecificAvroDeserializer<>(ModelPart.class)) {
            parts.configure(serde, false);
            List<TopicPartition> partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    if (r.value() == null) continue;
                    ModelPart part;
                    try {
                        part = parts.deserialize(topic, r.value());
                    } catch (WireFormatException e) {
                        unreadable.skipped(r.topic(), r.partition(), r.offset(), e);
                        continue;
                    }
                    var outcome = assembler.accept(part);
                    if (outcome.isPresent() && outcome.get() instanceof ModelVersionAssembler.Verified v) {
                        ModelVersion mv = v.version();
                        boolean ofLineage = lineage.isEmpty() || lineage.equals(mv.modelName());
                        boolean wanted = version == 0
                                ? chosen == null || mv.version() > chosen.version()
                                : mv.version() == version;
                        if (ofLineage && wanted) chosen = mv;
                    }
                }
            }
        }
        return Optional.ofNullable(chosen);
    }
}
