package io.extrema.schemas.serde;

/** A zero-length value: not a record and not a tombstone (a tombstone is {@code null}). */
public class EmptyPayloadException extends WireFormatException {

    public EmptyPayloadException(String topic) {
        super("empty payload on topic " + topic + ": expected magic byte 0, a schema id and an Avro body");
    }
}
