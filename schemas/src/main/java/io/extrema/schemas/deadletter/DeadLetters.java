package io.extrema.schemas.deadletter;

import io.extrema.schemas.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Builds {@link DeadLetter} records, the one way every stage reports what it could not process. */
public final class DeadLetters {

    /** A record consumed from a topic that could not be processed: keeps its coordinates, headers and raw bytes. */
    public static DeadLetter of(String stage, ConsumerRecord<byte[], byte[]> record, Throwable error) {
        return of(
                stage,
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                record.value(),
                headers(record.headers()),
                reason(error),
                error.getClass().getName());
    }

    /**
     * A record that could not be processed, from its parts; {@code topic}, {@code partition}, {@code offset} and
     * {@code errorClass} may be null where the stage has none (ingest refuses files before they reach a topic).
     */
    public static DeadLetter of(
            String stage,
            String topic,
            Integer partition,
            Long offset,
            byte[] key,
            byte[] value,
            Map<String, ByteBuffer> headers,
            String reason,
            String errorClass) {
        return DeadLetter.newBuilder()
                .setStage(stage)
                .setReason(reason)
                .setErrorClass(errorClass)
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setHeaders(headers)
                .setTime(Instant.now())
                .build();
    }

    /** The message of an error and of its causes, so the reason names the root problem. */
    public static String reason(Throwable error) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = error; t != null && sb.length() < 2000; t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(": caused by ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private static Map<String, ByteBuffer> headers(Iterable<Header> headers) {
        Map<String, ByteBuffer> out = new HashMap<>();
        for (Header h : headers) {
            out.put(h.key(), h.value() == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(h.value()));
        }
        return out;
    }

    private DeadLetters() {}
}
