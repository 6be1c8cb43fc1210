package io.extrema.trainer.it;

import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import io.extrema.trainer.TinyNetwork;
import io.extrema.trainer.TrainerMain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Topics, records and settings for trainer tests against the real broker and registry. */
final class TrainerFixture {
    final StackEndpoints stack;
    final String images;
    final String models;
    final String metrics;
    final String dlq;
    final String group;

    TrainerFixture(StackEndpoints stack, int imagePartitions) {
        this.stack = stack;
        String id = UUID.randomUUID().toString().substring(0, 8);
        images = "t-images-" + id;
        models = "t-models-" + id;
        metrics = "t-metrics-" + id;
        dlq = "t-dlq-" + id;
        group = "t-trainer-" + id;
        LocalStackExtension.createTopic(stack, images, imagePartitions);
        LocalStackExtension.createTopic(stack, models, 1, Map.of("cleanup.policy", "compact"));
        LocalStackExtension.createTopic(stack, metrics, 1);
        LocalStackExtension.createTopic(stack, dlq, 1);
    }

    Map<String, Object> serde() {
        return Map.of("schema.registry.url", stack.registryUrl());
    }

    /** The tiny network ({@link TinyNetwork}) on this fixture's topics. */
    Map<String, String> settings(Path checkpoints) {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", stack.bootstrapServers());
        s.put("schema.registry.url", stack.registryUrl());
        s.put("group.id", group);
        s.put("topic.images", images);
        s.put("topic.models", models);
        s.put("topic.metrics", metrics);
        s.put("topic.dlq", dlq);
        s.put("model.name", "test-model");
        s.putAll(TinyNetwork.settings());
        s.put("model.baseLr", "0.02");
        s.put("model.emaStart", "0.9");
        s.put("decode.threads", "2");
        s.put("replay.capacity.images", "256");
        s.put("metrics.interval.steps", "5");
        s.put("log.interval.steps", "10");
        s.put("checkpoint.dir", checkpoints.toString());
        s.put("checkpoint.interval.steps", "10");
        s.put("prometheus.port", "0");
        // Oversized test images are 256 px wide.
        s.put("image.max.width", "128");
        s.put("image.max.height", "128");
        s.put("image.max.pixels", String.valueOf(128 * 128));
        return s;
    }

    static ImageRecord record(String id, byte[] jpeg, int side, String label) {
        return ImageRecord.newBuilder()
                .setId(id)
                .setSource("trainer-test")
                .setEventTime(Instant.now())
                .setEncoding(ImageEncoding.JPEG)
                .setWidth(side)
                .setHeight(side)
                .setChannels(3)
                .setData(ByteBuffer.wrap(jpeg))
                .setLabel(label)
                .build();
    }

    /** Sends image records (key: id), in order, and waits for all of them. */
    void produce(List<ImageRecord> records) throws Exception {
        SpecificAvroSerializer<ImageRecord> values = new SpecificAvroSerializer<>();
        values.configure(serde(), false);
        try (KafkaProducer<String, ImageRecord> p =
                new KafkaProducer<>(producerConfig(), new StringSerializer(), values)) {
            for (ImageRecord r : records) {
                p.send(new ProducerRecord<>(images, r.getId().toString(), r));
            }
            p.flush();
        }
    }

    /** Sends raw bytes, which need not be an Avro record at all, to {@code topic}. */
    void produceRaw(String topic, byte[] key, byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> p =
                new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** {@code count} good images of the ten classes, class-sorted. */
    static List<ImageRecord> goodImages(int count, String idPrefix) {
        List<ImageRecord> out = new ArrayList<>();
        int perClass = (count + TestImages.CLASSES - 1) / TestImages.CLASSES;
        for (int i = 0; i < count; i++) {
            int cls = i / perClass;
            out.add(record(idPrefix + i, TestImages.jpeg(cls, i, 32), 32, "class" + cls));
        }
        return out;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        return c;
    }

    /** Every record of a topic from the beginning to its current end, values deserialised. */
    <T extends SpecificRecord> List<ConsumerRecord<byte[], T>> readAll(String topic, Class<T> type) {
        SpecificAvroDeserializer<T> values = new SpecificAvroDeserializer<>(type);
        values.configure(serde(), false);
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", stack.bootstrapServers());
        try (KafkaConsumer<byte[], T> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), values)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            List<ConsumerRecord<byte[], T>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    Map<TopicPartition, Long> endOffsets(String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", stack.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            return consumer.endOffsets(parts);
        }
    }

    Map<TopicPartition, Long> committed() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, Long> out = new HashMap<>();
            m.forEach((tp, o) -> {
                if (o != null) out.put(tp, o.offset());
            });
            return out;
        }
    }

    /** Sets the group's committed offsets, as an operator's reset tool would; the group must have no members. */
    void commit(Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        offsets.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.alterConsumerGroupOffsets(group, m).all().get();
        }
    }

    /** The trainer in its own JVM, as an operator runs it: a kill then hits a real process. */
    static Process startChild(Map<String, String> settings, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro");
        cmd.add("-Dai.djl.offline=true");
        // One libtorch thread: the tiny test model gains nothing from more, and spinning OpenMP threads on a
        // shared 2-core machine slow every step tenfold.
        cmd.add("-Dai.djl.pytorch.num_threads=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TrainerMain.class.getName());
        settings.forEach((k, v) -> cmd.add(k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("EXTREMA_TRAINER_"));
        return pb.start();
    }
}
