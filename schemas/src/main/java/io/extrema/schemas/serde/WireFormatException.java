package io.extrema.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a readable record in Confluent wire format. A {@code SerializationException}, so Kafka's
 * consumer and Kafka Streams' deserialization exception handlers treat it as one bad record.
 */
public class WireFormatException extends SerializationException {

    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
