package io.extrema.ingest;

import io.extrema.images.ImageRejectedException;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.deadletter.DeadLetters;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The one producer of an ingest run: accepted images to the images topic, refused ones to the dead-letter topic.
 * Values are serialised here (Avro, Confluent wire format) so one byte-array producer serves both topics and the
 * serializers can be swapped in tests.
 */
public final class ImagePublisher implements AutoCloseable {
    public static final String STAGE = "ingest";

    private final Producer<String, byte[]> producer;
    private final Serializer<ImageRecord> images;
    private final Serializer<DeadLetter> deadLetters;
    private final String topic;
    private final String dlqTopic;

    public ImagePublisher(
            Producer<String, byte[]> producer,
            Serializer<ImageRecord> images,
            Serializer<DeadLetter> deadLetters,
            String topic,
            String dlqTopic) {
        this.producer = producer;
        this.images = images;
        this.deadLetters = deadLetters;
        this.topic = topic;
        this.dlqTopic = dlqTopic;
    }

    /** A Kafka producer with {@link IngestConfig#producerConfigs()} and registry-backed Avro serializers. */
    public static ImagePublisher create(IngestConfig config) {
        SpecificAvroSerializer<ImageRecord> images = new SpecificAvroSerializer<>();
        images.configure(config.serdeConfigs(), false);
        SpecificAvroSerializer<DeadLetter> deadLetters = new SpecificAvroSerializer<>();
        deadLetters.configure(config.serdeConfigs(), false);
        return new ImagePublisher(
                new KafkaProducer<>(config.producerConfigs()),
                images,
                deadLetters,
                config.getString(IngestConfig.TOPIC),
                config.getString(IngestConfig.DLQ_TOPIC));
    }

    public String topic() {
        return topic;
    }

    /** Sends {@code record} keyed by its id; blocks only when the producer's buffer is full (backpressure). */
    public Future<RecordMetadata> publish(ImageRecord record, Callback callback) {
        byte[] value = images.serialize(topic, record);
        return producer.send(new ProducerRecord<>(topic, record.getId(), value), callback);
    }

    /**
     * Dead-letters a refused image: its original bytes (null when they were never read, as for an oversized
     * upload), the reason, and where it came from in the headers {@code source} and {@code key}.
     */
    public Future<RecordMetadata> deadLetter(
            String source, String key, byte[] original, ImageRejectedException why, Callback callback) {
        DeadLetter letter = DeadLetters.of(
                STAGE,
                null,
                null,
                null,
                key.getBytes(StandardCharsets.UTF_8),
                original,
                Map.of(
                        "source",
                        ByteBuffer.wrap(source.getBytes(StandardCharsets.UTF_8)),
                        "reason",
                        ByteBuffer.wrap(why.reason().name().getBytes(StandardCharsets.UTF_8))),
                why.getMessage(),
                why.getClass().getName());
        return producer.send(new ProducerRecord<>(dlqTopic, key, deadLetters.serialize(dlqTopic, letter)), callback);
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
        images.close();
        deadLetters.close();
    }
}
