package io.extrema.schemas.serde;

/**
 * The header is valid but the Avro body cannot be read: it is corrupt, or its writer schema cannot be resolved to
 * the reader's record class (an incompatible change, or a record of another type on the topic).
 */
public class MalformedPayloadException extends WireFormatException {

    public MalformedPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
