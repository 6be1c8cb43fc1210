package io.extrema.serving.deadletter;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.deadletter.DeadLetters;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.serving.metrics.ServingMetrics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a record the service cannot process into a {@link DeadLetter} on the serving dead-letter topic, for Kafka
 * Streams' exception handlers. The handlers return these records to Kafka Streams, which sends them with its own
 * producer, so under exactly-once a dead letter commits in the same transaction as the input offset it stands for.
 *
 * <p>Kafka Streams builds handlers by class name and configures them with the application's configuration map;
 * {@link #TOPIC_CONFIG} and {@link #METRICS_CONFIG} travel in that map (the latter as the live object, so the
 * handlers count into the service's metrics).
 */
public final class DeadLetterRouting {
    public static final String STAGE = "serving";
    public static final String TOPIC_CONFIG = "extrema.serving.dlq.topic";
    public static final String METRICS_CONFIG = "extrema.serving.metrics";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRouting.class);

    private final String topic;
    private final ServingMetrics metrics;
    private final SpecificAvroSerializer<DeadLetter> serializer = new SpecificAvroSerializer<>();

    DeadLetterRouting(Map<String, ?> configs) {
        Object t = configs.get(TOPIC_CONFIG);
        Object m = configs.get(METRICS_CONFIG);
        if (!(t instanceof String) || !(m instanceof ServingMetrics)) {
            throw new ConfigException("dead-letter handlers need " + TOPIC_CONFIG + " (a topic name) and "
                    + METRICS_CONFIG + " (the ServingMetrics) in the Streams configuration");
        }
        topic = (String) t;
        metrics = (ServingMetrics) m;
        serializer.configure(configs, false);
    }

    /** The dead letter of a record, from its coordinates and raw bytes as Kafka Streams read them. */
    List<ProducerRecord<byte[], byte[]>> route(String cause, ErrorHandlerContext context, Exception error) {
        ConsumerRecord<byte[], byte[]> raw = new ConsumerRecord<>(
                context.topic(),
                context.partition(),
                context.offset(),
                context.timestamp(),
                TimestampType.CREATE_TIME,
                -1,
                -1,
                context.sourceRawKey(),
                context.sourceRawValue(),
                context.headers(),
                Optional.empty());
        return route(cause, raw, error);
    }

    List<ProducerRecord<byte[], byte[]>> route(String cause, ConsumerRecord<byte[], byte[]> raw, Exception error) {
        DeadLetter letter = DeadLetters.of(STAGE, raw, error);
        LOG.warn("dead-lettering {}-{}@{}: {}", raw.topic(), raw.partition(), raw.offset(), letter.getReason());
        metrics.deadLettered(cause);
        return List.of(
                new ProducerRecord<>(topic, null, raw.timestamp(), raw.key(), serializer.serialize(topic, letter)));
    }
}
