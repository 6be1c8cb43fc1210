package io.extrema.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class UnreadableRecordsTest {

    @Test
    void recordsOfOneLostSchemaAreOneCauseWhateverWrapsThem() {
        UnreadableRecords unreadable = new UnreadableRecords(LoggerFactory.getLogger(getClass()), "a test");
        for (long offset = 0; offset < 100; offset++) {
            UnknownSchemaIdException lost = new UnknownSchemaIdException("models", 6, null);
            // Kafka's consumer wraps what the deserializer threw, with the record's position in the message
            unreadable.skipped(
                    "models",
                    0,
                    offset,
                    new RecordDeserializationException(
                            RecordDeserializationException.DeserializationExceptionOrigin.VALUE,
                            new TopicPartition("models", 0),
                            offset,
                            0L,
                            null,
                            null,
                            null,
                            null,
                            "Error deserializing VALUE for partition models-0 at offset " + offset,
                            lost));
        }
        unreadable.skipped(
                "models", 0, 100, new TruncatedPayloadException("the Avro body (schema id 6, 10 bytes)", null));
        unreadable.skipped(
                "models", 0, 101, new TruncatedPayloadException("the Avro body (schema id 6, 12 bytes)", null));

        assertEquals(102, unreadable.total());
        assertEquals(
                List.of(100L, 2L),
                List.copyOf(unreadable.byCause().values()),
                unreadable.byCause().toString());
        assertEquals(
                "UnknownSchemaIdException: " + new UnknownSchemaIdException("models", 6, null).getMessage(),
                unreadable.byCause().keySet().iterator().next());
    }
}
