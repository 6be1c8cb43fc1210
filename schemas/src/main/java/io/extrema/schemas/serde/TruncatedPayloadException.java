package io.extrema.schemas.serde;

/** The payload ends before its 5-byte header or before its Avro body is complete. */
public class TruncatedPayloadException extends WireFormatException {

    public TruncatedPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
