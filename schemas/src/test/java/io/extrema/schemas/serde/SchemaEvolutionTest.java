package io.extrema.schemas.serde;

import static org.junit.jupiter.api.Assertions.*;

import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Today's ImageRecord and the next version (a new optional field, a new enum symbol) read each other's bytes; so do
 * today's TrainingMetrics and the version before it.
 */
class SchemaEvolutionTest {

    static Schema v2() throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/ImageRecord-v2.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void nextVersionIsFullyCompatibleWithToday() throws IOException {
        Schema today = ImageRecord.getClassSchema();
        assertEquals(
                SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(v2(), today).getType(),
                "v2 reads v1");
        assertEquals(
                SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(today, v2()).getType(),
                "v1 reads v2");
    }

    @Test
    void nextVersionReaderReadsRecordsWrittenToday() throws IOException {
        ImageRecord written = SampleRecords.image(2048, 5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ImageRecord.class).write(written, enc);
        enc.flush();

        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(ImageRecord.getClassSchema(), v2());
        GenericRecord read = reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertEquals(written.getId(), read.get("id").toString());
        assertEquals(written.getEventTime().toEpochMilli(), read.get("eventTime"));
        assertEquals("JPEG", read.get("encoding").toString());
        assertEquals(written.getData(), read.get("data"));
        assertEquals("cat", read.get("label").toString());
        assertNull(read.get("capturedBy"), "the new field takes its default");
    }

    @Test
    void todaysClassReadsRecordsWrittenWithTheNextVersion() throws IOException {
        Schema v2 = v2();
        GenericRecord next = new GenericData.Record(v2);
        next.put("id", "img-9");
        next.put("source", "cam");
        next.put("eventTime", 1_764_000_000_000L);
        next.put("encoding", new GenericData.EnumSymbol(v2.getField("encoding").schema(), "WEBP"));
        next.put("width", 4);
        next.put("height", 2);
        next.put("channels", 3);
        next.put("data", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        next.put("label", null);
        next.put("attributes", java.util.Map.of("a", "b"));
        next.put("capturedBy", "drone-1");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v2).write(next, enc);
        enc.flush();

        SpecificDatumReader<ImageRecord> reader = new SpecificDatumReader<>(
                v2, ImageRecord.getClassSchema(), SpecificData.getForClass(ImageRecord.class));
        ImageRecord read = reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));

        assertEquals("img-9", read.getId());
        assertEquals(1_764_000_000_000L, read.getEventTime().toEpochMilli());
        assertEquals(
                ImageEncoding.UNKNOWN,
                read.getEncoding(),
                "a symbol this version does not know reads as the enum default");
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), read.getData());
        assertEquals("b", read.getAttributes().get("a"));
    }

    /**
     * {@code TrainingMetrics} before the loss scale and the overflow count: today's class reads its records (the two
     * fields take their defaults) and a reader of it reads today's, so the change passes a BACKWARD or FORWARD
     * registry.
     */
    @Test
    void trainingMetricsBeforeTheLossScaleAndTodayReadEachOther() throws IOException {
        Schema before;
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/TrainingMetrics-v1.avsc")) {
            before = new Schema.Parser().parse(in);
        }
        Schema today = TrainingMetrics.getClassSchema();
        assertEquals(
                SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(today, before)
                        .getType(),
                "today reads v1");
        assertEquals(
                SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(before, today)
                        .getType(),
                "v1 reads today");

        TrainingMetrics current = SampleRecords.metrics();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        GenericDatumWriter<GenericRecord> writer = // the class's model converts the timestamp
                new GenericDatumWriter<>(before, SpecificData.getForClass(TrainingMetrics.class));
        GenericRecord old = new GenericData.Record(before);
        for (Schema.Field f : before.getFields()) {
            old.put(f.name(), current.get(f.name()));
        }
        writer.write(old, enc);
        enc.flush();
        SpecificDatumReader<TrainingMetrics> reader =
                new SpecificDatumReader<>(before, today, SpecificData.getForClass(TrainingMetrics.class));
        TrainingMetrics read = reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals(current.getStep(), read.getStep());
        assertEquals(0, read.getOverflowSteps(), "a v1 record counts no overflows");
        assertNull(read.getLossScale(), "a v1 record has no loss scale");
    }

    /** The evolution rule the project relies on: every field a later version may omit is optional with a default. */
    @Test
    void everyNullableFieldOfEverySchemaHasADefault() {
        List<String> missing = new ArrayList<>();
        for (SpecificRecord r : SampleRecords.all()) {
            collect(r.getSchema(), missing);
        }
        assertEquals(List.of(), missing);
    }

    private static void collect(Schema schema, List<String> missing) {
        if (schema.getType() == Schema.Type.UNION) {
            schema.getTypes().forEach(t -> collect(t, missing));
        }
        if (schema.getType() != Schema.Type.RECORD) {
            return;
        }
        for (Schema.Field f : schema.getFields()) {
            if (f.schema().isNullable() && !f.hasDefaultValue()) {
                missing.add(schema.getName() + "." + f.name());
            }
            collect(f.schema(), missing);
        }
    }
}
