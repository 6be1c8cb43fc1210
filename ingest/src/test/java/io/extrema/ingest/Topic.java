package io.extrema.ingest;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** A uniquely named images topic and dead-letter topic on the test stack, and reading them back in full. */
record Topic(StackEndpoints stack, String imagesTopic, String dlqTopic) {

    static Topic create(StackEndpoints stack) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Topic t = new Topic(stack, "test.images." + suffix, "test.dlq.ingest." + suffix);
        LocalStackExtension.createTopic(
                stack, t.imagesTopic, 2, Map.of("max.message.bytes", String.valueOf(8 * 1024 * 1024)));
        LocalStackExtension.createTopic(stack, t.dlqTopic, 1);
        return t;
    }

    /** Settings that point ingest at this topic pair. */
    Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put(IngestConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
        s.put("schema.registry.url", stack.registryUrl());
        s.put(IngestConfig.TOPIC, imagesTopic);
        s.put(IngestConfig.DLQ_TOPIC, dlqTopic);
        s.put(IngestConfig.QUIET, "true");
        return s;
    }

    List<ConsumerRecord<String, ImageRecord>> images() {
        return readAll(imagesTopic, ImageRecord.class);
    }

    List<ConsumerRecord<String, DeadLetter>> deadLetters() {
        return readAll(dlqTopic, DeadLetter.class);
    }

    /** Every record up to the current end offsets: exactly what was written, no more, no less. */
    private <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(String topic, Class<T> type) {
        SpecificAvroDeserializer<T> values = new SpecificAvroDeserializer<>(type);
        values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false);
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, T>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to its end");
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }
}
