package io.extrema.serving.monitor;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.deadletter.DeadLetters;
import io.extrema.schemas.registry.SchemaRegistryException;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * A record the monitor cannot decode becomes a {@link DeadLetter} on {@code topic.dlq.monitor}, with its bytes and the
 * reason, and the topology goes on. Kafka Streams produces the dead letter with the task's own producer. A schema
 * registry outage is not the record's fault: the thread fails and is replaced, and the record is read again.
 */
public final class DeadLetterOnDecodeError implements DeserializationExceptionHandler {
    /** The streams property naming the dead-letter topic (not "topic."-prefixed: Streams owns that prefix). */
    public static final String TOPIC_CONFIG = "extrema.monitor.dlq.topic";
    /** The streams property carrying the service's {@link MonitorMeters}, which count and log unreadable records. */
    public static final String METERS_CONFIG = "extrema.monitor.meters";

    private String topic;
    private SpecificAvroSerializer<DeadLetter> serializer;
    private MonitorMeters meters;

    @Override
    public void configure(Map<String, ?> configs) {
        topic = (String) configs.get(TOPIC_CONFIG);
        meters = configs.get(METERS_CONFIG) instanceof MonitorMeters m ? m : new MonitorMeters();
        serializer = new SpecificAvroSerializer<>();
        serializer.configure(configs, false);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception error) {
        if (SchemaRegistryException.isOutage(error)) {
            return Response.fail();
        }
        meters.unreadable(record.topic(), record.partition(), record.offset(), error);
        Map<String, ByteBuffer> headers = new HashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), ByteBuffer.wrap(h.value() == null ? new byte[0] : h.value()));
        }
        DeadLetter letter = DeadLetters.of(
                "monitor",
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                record.value(),
                headers,
                DeadLetters.reason(error),
                error.getClass().getName());
        return Response.resume(List.of(new ProducerRecord<>(topic, record.key(), serializer.serialize(topic, letter))));
    }
}
