package io.extrema.schemas.serde;

import static org.junit.jupiter.api.Assertions.*;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.registry.CompatibilityLevel;
import io.extrema.schemas.registry.SchemaRegistryClient;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The serdes through the real broker and the real registry of the local stack. */
@ExtendWith(LocalStackExtension.class)
class AvroSerdeBrokerTest {

    private final StackEndpoints stack;
    private final Map<String, Object> serdeConfig;
    private final SchemaRegistryClient registry;

    AvroSerdeBrokerTest(StackEndpoints stack) {
        this.stack = stack;
        this.serdeConfig = Map.of("schema.registry.url", stack.registryUrl());
        this.registry = new SchemaRegistryClient(serdeConfig);
    }

    private String topic(String what) {
        String name = "serde-test-" + what + "-" + UUID.randomUUID();
        LocalStackExtension.createTopic(stack, name, 1);
        return name;
    }

    @Test
    void everyRecordTypeRoundTripsThroughTheBrokerWithOneRegisteredVersion() {
        for (SpecificRecord record : SampleRecords.all()) {
            roundTrip(record);
        }
    }

    private <T extends SpecificRecord> void roundTrip(T record) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) record.getClass();
        String topic = topic(type.getSimpleName());
        String subject = topic + "-value";
        assertFalse(registry.subjects().contains(subject), "nothing registered before first use");

        // Two producers with separate serdes (separate caches): the second reuses the id the first registered.
        for (int producer = 0; producer < 2; producer++) {
            try (SpecificAvroSerde<T> serde = SpecificAvroSerde.forValues(type, serdeConfig)) {
                produce(topic, serde.serializer(), List.of(record, record));
            }
        }
        int id = registry.latest(subject).id();
        assertEquals(List.of(1), registry.versions(subject), "one version for " + type.getSimpleName());

        try (SpecificAvroSerde<T> serde = SpecificAvroSerde.forValues(type, serdeConfig)) {
            List<ConsumerRecord<String, T>> read = consume(topic, serde.deserializer(), 4);
            for (ConsumerRecord<String, T> r : read) {
                assertEquals(record, r.value(), type.getSimpleName() + " reads back equal");
            }
        }
        for (ConsumerRecord<String, byte[]> raw : consume(topic, new ByteArrayDeserializer(), 4)) {
            byte[] bytes = raw.value();
            assertEquals(0, bytes[0], "magic byte");
            assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt(), "schema id in the wire header");
        }
    }

    @Test
    void serdesBuiltByClassNameFromClientProperties() {
        String topic = topic("by-name");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, SpecificAvroSerializer.class.getName());
        p.put("schema.registry.url", stack.registryUrl());
        try (KafkaProducer<String, TrainingMetrics> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, "run-a", SampleRecords.metrics()));
        }
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, SpecificAvroDeserializer.class.getName());
        c.put(AvroSerdeConfig.SPECIFIC_VALUE_TYPE, TrainingMetrics.class.getName());
        c.put("schema.registry.url", stack.registryUrl());
        try (KafkaConsumer<String, TrainingMetrics> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<TrainingMetrics> read = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (read.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> read.add(r.value()));
            }
            assertEquals(List.of(SampleRecords.metrics()), read);
        }
    }

    @Test
    void nonFiniteDoublesSurvive() {
        // Alerts carry NaN/Infinity values; generated equals() treats NaN as unequal, so check the values.
        String topic = topic("alerts");
        AlertRecord alert = AlertRecord.newBuilder(SampleRecords.alert())
                .setValue(Double.NaN)
                .setThreshold(Double.NEGATIVE_INFINITY)
                .build();
        try (SpecificAvroSerde<AlertRecord> serde = SpecificAvroSerde.forValues(AlertRecord.class, serdeConfig)) {
            AlertRecord read =
                    serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, alert));
            assertTrue(Double.isNaN(read.getValue()));
            assertEquals(Double.NEGATIVE_INFINITY, read.getThreshold());
            assertEquals(alert.getRule(), read.getRule());
        }
    }

    @Test
    void keysUseTheKeySubjectAndTombstonesStayNull() {
        String topic = topic("keys");
        try (SpecificAvroSerde<TrainingMetrics> keys = SpecificAvroSerde.forKeys(TrainingMetrics.class, serdeConfig);
                SpecificAvroSerde<ImageRecord> values = SpecificAvroSerde.forValues(ImageRecord.class, serdeConfig)) {
            byte[] key = keys.serializer().serialize(topic, SampleRecords.metrics());
            assertEquals(List.of(1), registry.versions(topic + "-key"));
            assertEquals(
                    registry.latest(topic + "-key").id(),
                    ByteBuffer.wrap(key, 1, 4).getInt());
            assertFalse(registry.subjects().contains(topic + "-value"));
            assertEquals(SampleRecords.metrics(), keys.deserializer().deserialize(topic, key));

            assertNull(values.serializer().serialize(topic, null));
            assertNull(values.deserializer().deserialize(topic, null));
        }
    }

    @Test
    void withoutAutoRegisterTheExactSchemaMustAlreadyBeRegistered() {
        String topic = topic("no-auto");
        Map<String, Object> config =
                Map.of("schema.registry.url", stack.registryUrl(), "auto.register.schemas", "false");
        try (SpecificAvroSerde<ImageRecord> serde = SpecificAvroSerde.forValues(ImageRecord.class, config)) {
            SerializationException e = assertThrows(
                    SerializationException.class,
                    () -> serde.serializer().serialize(topic, SampleRecords.image(16, 1)));
            assertTrue(e.getMessage().contains("not registered"), e.getMessage());
            assertFalse(registry.subjects().contains(topic + "-value"), "nothing was registered");

            int id = registry.register(topic + "-value", ImageRecord.getClassSchema());
            byte[] bytes = serde.serializer().serialize(topic, SampleRecords.image(16, 1));
            assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt());
        }
    }

    @Test
    void badBytesOnATopicFailWithSpecificExceptionsAndTheConsumerCanSkipThem() {
        String topic = topic("bad");
        byte[] good;
        try (SpecificAvroSerde<ImageRecord> serde = SpecificAvroSerde.forValues(ImageRecord.class, serdeConfig)) {
            good = serde.serializer().serialize(topic, SampleRecords.image(2048, 3));
        }
        byte[] unknownId = good.clone();
        WireFormat.writeHeader(unknownId, 987_654_321);
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        // The id string's length claims 2^30 bytes: refused from the bytes available, nothing is allocated.
        byte[] hugeLength = new byte[good.length + 4];
        System.arraycopy(good, 0, hugeLength, 0, WireFormat.HEADER_SIZE);
        System.arraycopy(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}, 0, hugeLength, 5, 5);
        System.arraycopy(good, 6, hugeLength, 10, good.length - 6);
        List<byte[]> values = List.of(new byte[0], wrongMagic, unknownId, truncated, trailing, hugeLength, good);
        List<Class<? extends WireFormatException>> expected = List.of(
                EmptyPayloadException.class,
                UnknownMagicByteException.class,
                UnknownSchemaIdException.class,
                TruncatedPayloadException.class,
                MalformedPayloadException.class,
                TruncatedPayloadException.class);
        produce(topic, new ByteArraySerializer(), values);

        try (SpecificAvroSerde<ImageRecord> serde = SpecificAvroSerde.forValues(ImageRecord.class, serdeConfig);
                KafkaConsumer<String, ImageRecord> consumer = consumer(serde.deserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<Class<?>> seen = new ArrayList<>();
            ImageRecord last = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (last == null && System.currentTimeMillis() < deadline) {
                try {
                    for (ConsumerRecord<String, ImageRecord> r : consumer.poll(Duration.ofMillis(500))) {
                        last = r.value();
                    }
                } catch (RecordDeserializationException e) {
                    // What a Streams handler or a dead-letter step gets: the offset and our exception as cause.
                    assertEquals(seen.size(), e.offset());
                    seen.add(e.getCause().getClass());
                    consumer.seek(tp, e.offset() + 1);
                }
            }
            assertEquals(expected, seen);
            assertEquals(SampleRecords.image(2048, 3), last, "the good record after the bad ones is read");
        }
    }

    @Test
    void recordsOfAnotherTypeOnTheTopicAreRefusedAsIncompatibleWriterSchema() {
        String topic = topic("mixed");
        byte[] deadLetter;
        try (SpecificAvroSerde<DeadLetter> serde = SpecificAvroSerde.forValues(DeadLetter.class, serdeConfig)) {
            deadLetter = serde.serializer().serialize(topic, SampleRecords.deadLetter());
        }
        try (SpecificAvroSerde<ImageRecord> serde = SpecificAvroSerde.forValues(ImageRecord.class, serdeConfig)) {
            IncompatibleWriterSchemaException e = assertThrows(
                    IncompatibleWriterSchemaException.class,
                    () -> serde.deserializer().deserialize(topic, deadLetter));
            assertTrue(e.getMessage().contains("ImageRecord"), e.getMessage());
            assertEquals(ByteBuffer.wrap(deadLetter, 1, 4).getInt(), e.schemaId());
        }
    }

    @Test
    void todaysClassReadsRecordsOfTheNextVersionRegisteredUnderTheSubject() throws IOException {
        String topic = topic("evolution");
        String subject = topic + "-value";
        registry.setCompatibility(subject, CompatibilityLevel.BACKWARD);
        try (SpecificAvroSerde<ImageRecord> serde = SpecificAvroSerde.forValues(ImageRecord.class, serdeConfig)) {
            byte[] v1Bytes = serde.serializer().serialize(topic, SampleRecords.image(64, 4));

            // A producer of the next version: the registry accepts it as BACKWARD compatible.
            Schema v2 = SchemaEvolutionTest.v2();
            int v2Id = registry.register(subject, v2);
            GenericRecord next = new GenericData.Record(v2);
            next.put("id", "img-v2");
            next.put("source", "cam");
            next.put("eventTime", 1_764_000_000_000L);
            next.put(
                    "encoding",
                    new GenericData.EnumSymbol(v2.getField("encoding").schema(), "PNG"));
            next.put("width", 8);
            next.put("height", 8);
            next.put("channels", 1);
            next.put("data", ByteBuffer.wrap(new byte[] {4, 5}));
            next.put("label", "dog");
            next.put("attributes", Map.of());
            next.put("capturedBy", "drone-1");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] header = new byte[WireFormat.HEADER_SIZE];
            WireFormat.writeHeader(header, v2Id);
            out.write(header);
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(v2).write(next, enc);
            enc.flush();
            produce(topic, new ByteArraySerializer(), List.of(v1Bytes, out.toByteArray()));

            List<ConsumerRecord<String, ImageRecord>> read = consume(topic, serde.deserializer(), 2);
            assertEquals(SampleRecords.image(64, 4), read.get(0).value());
            ImageRecord fromV2 = read.get(1).value();
            assertEquals("img-v2", fromV2.getId());
            assertEquals(ImageEncoding.PNG, fromV2.getEncoding());
            assertEquals("dog", fromV2.getLabel());
            assertEquals(ByteBuffer.wrap(new byte[] {4, 5}), fromV2.getData());
        }
    }

    private <V> void produce(String topic, Serializer<V> serializer, List<V> values) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(p, new StringSerializer(), serializer)) {
            for (V v : values) {
                producer.send(new ProducerRecord<>(topic, 0, "k", v));
            }
            producer.flush();
        }
    }

    private <V> KafkaConsumer<String, V> consumer(Deserializer<V> deserializer) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), deserializer);
    }

    private <V> List<ConsumerRecord<String, V>> consume(String topic, Deserializer<V> deserializer, int n) {
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = consumer(deserializer)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < n && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        assertEquals(n, out.size(), "records read from " + topic);
        return out;
    }
}
