package io.extrema.schemas.serde;

/** The first byte is not the Confluent wire format's magic byte 0: the bytes were not written by an Avro serde. */
public class UnknownMagicByteException extends WireFormatException {

    private final byte magic;

    public UnknownMagicByteException(String topic, byte magic) {
        super(String.format(
                "unknown magic byte 0x%02x on topic %s: expected 0x00 (Confluent wire format)", magic & 0xff, topic));
        this.magic = magic;
    }

    public byte magic() {
        return magic;
    }
}
