package io.extrema.schemas.serde;

import static org.junit.jupiter.api.Assertions.*;

import io.extrema.schemas.avro.ImageRecord;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The wire header alone: no registry is needed to refuse bytes whose header is wrong. */
class WireFormatTest {

    @Test
    void headerRoundTripsSchemaIdsBigEndian() {
        for (int id : new int[] {0, 1, 255, 256, 0x01020304, Integer.MAX_VALUE}) {
            byte[] buf = new byte[8];
            WireFormat.writeHeader(buf, id);
            assertEquals(0, buf[0]);
            assertEquals(id, WireFormat.schemaId("t", buf, 0, buf.length));
        }
        byte[] buf = {0, 0x01, 0x02, 0x03, 0x04};
        assertEquals(0x01020304, WireFormat.schemaId("t", buf, 0, 5));
    }

    @Test
    void headerIsReadAtAnOffset() {
        byte[] buf = {9, 9, 0, 0, 0, 0, 42, 7};
        assertEquals(42, WireFormat.schemaId("t", buf, 2, 6));
    }

    @Test
    void subjectsFollowTopicNameStrategy() {
        assertEquals("extrema.images-value", WireFormat.subject("extrema.images", false));
        assertEquals("extrema.images-key", WireFormat.subject("extrema.images", true));
    }

    @Test
    void emptyPayloadIsRefused() {
        EmptyPayloadException e =
                assertThrows(EmptyPayloadException.class, () -> WireFormat.schemaId("t", new byte[0], 0, 0));
        assertTrue(e.getMessage().contains("empty payload"), e.getMessage());
    }

    @Test
    void wrongMagicByteIsRefused() {
        UnknownMagicByteException e = assertThrows(
                UnknownMagicByteException.class,
                () -> WireFormat.schemaId("t", new byte[] {'{', '"', 'a', '"', ':'}, 0, 5));
        assertEquals('{', e.magic());
        assertTrue(e.getMessage().contains("0x7b"), e.getMessage());
    }

    @Test
    void headerShorterThanFiveBytesIsTruncated() {
        for (int n = 1; n < WireFormat.HEADER_SIZE; n++) {
            int len = n;
            assertThrows(TruncatedPayloadException.class, () -> WireFormat.schemaId("t", new byte[len], 0, len));
        }
    }

    @Test
    void deserializerRefusesBadHeadersAsSerializationExceptionsAndPassesTombstones() {
        // Not configured with a registry: header checks come first and need none.
        SpecificAvroDeserializer<ImageRecord> d = new SpecificAvroDeserializer<>(ImageRecord.class);
        assertNull(d.deserialize("t", (byte[]) null));
        assertNull(d.deserialize("t", null, (ByteBuffer) null));
        SerializationException empty = assertThrows(EmptyPayloadException.class, () -> d.deserialize("t", new byte[0]));
        assertInstanceOf(WireFormatException.class, empty);
        assertThrows(UnknownMagicByteException.class, () -> d.deserialize("t", new byte[] {1, 0, 0, 0, 1, 2}));
        assertThrows(TruncatedPayloadException.class, () -> d.deserialize("t", new byte[] {0, 0, 0}));
        // A slice of a larger buffer: the header is read at the slice's position.
        ByteBuffer slice = ByteBuffer.wrap(new byte[] {0, 0, 7, 0, 0}, 2, 3).slice();
        assertThrows(UnknownMagicByteException.class, () -> d.deserialize("t", null, slice));
    }

    @Test
    void serializerWritesNullAsTombstone() {
        assertNull(new SpecificAvroSerializer<ImageRecord>().serialize("t", null));
    }
}
