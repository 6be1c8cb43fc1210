package io.extrema.schemas.serde;

/**
 * Confluent's wire format: magic byte {@code 0}, the schema's registry id as a 4-byte big-endian int, then the
 * record in Avro binary encoding. Subjects follow the TopicNameStrategy: {@code <topic>-key}, {@code <topic>-value}.
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0;
    /** Magic byte and schema id. */
    public static final int HEADER_SIZE = 5;

    /** The subject of a topic's keys or values. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }

    /**
     * Checks the header of {@code length} bytes at {@code offset} and returns its schema id.
     *
     * @throws EmptyPayloadException      when there are no bytes
     * @throws UnknownMagicByteException  when the first byte is not 0
     * @throws TruncatedPayloadException  when the bytes end inside the header
     */
    public static int schemaId(String topic, byte[] data, int offset, int length) {
        if (length == 0) {
            throw new EmptyPayloadException(topic);
        }
        if (data[offset] != MAGIC_BYTE) {
            throw new UnknownMagicByteException(topic, data[offset]);
        }
        if (length < HEADER_SIZE) {
            throw new TruncatedPayloadException(
                    "payload on topic " + topic + " is " + length
                            + " bytes, shorter than the 5-byte wire-format header",
                    null);
        }
        return ((data[offset + 1] & 0xff) << 24)
                | ((data[offset + 2] & 0xff) << 16)
                | ((data[offset + 3] & 0xff) << 8)
                | (data[offset + 4] & 0xff);
    }

    /** Writes the header for {@code schemaId} at the start of {@code buffer}. */
    public static void writeHeader(byte[] buffer, int schemaId) {
        buffer[0] = MAGIC_BYTE;
        buffer[1] = (byte) (schemaId >>> 24);
        buffer[2] = (byte) (schemaId >>> 16);
        buffer[3] = (byte) (schemaId >>> 8);
        buffer[4] = (byte) schemaId;
    }

    private WireFormat() {}
}
