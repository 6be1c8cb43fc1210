package io.extrema.serving.app;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelChunk;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionCodec.KeyedPart;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.serving.ServingFixtures;
import io.extrema.serving.config.ServingConfig;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding service against the real broker and registry, with real libtorch and real JPEGs.
 */
@ExtendWith(LocalStackExtension.class)
@SuppressWarnings("unchecked")
class EmbeddingServiceTest {
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private final StackEndpoints stack;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String images = "serving-" + run + "-images";
    private final String embeddings = "serving-" + run + "-embeddings";
    private final String models = "serving-" + run + "-models";
    private final String dlq = "serving-" + run + "-dlq";
    @TempDir
    Path stateDir;
    private KafkaProducer<String, ImageRecord> imageProducer;

    EmbeddingServiceTest(StackEndpoints stack) {
        this.stack = stack;
        LocalStackExtension.createTopic(stack, images, 4);
        LocalStackExtension.createTopic(stack, embeddings, 4);
        LocalStackExtension.createTopic(stack, models, 1, Map.of("cleanup.policy", "compact"));
        LocalStackExtension.createTopic(stack, dlq, 1);
    }

    private Map<String, String> settings(String instance) {
        Map<String, String> s = new HashMap<>();
        s.put(ServingConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
        s.put(ServingConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
        s.put(ServingConfig.APPLICATION_ID, "serving-" + run);
        s.put(ServingConfig.IMAGES_TOPIC, images);
        s.put(ServingConfig.EMBEDDINGS_TOPIC, embeddings);
        s.put(ServingConfig.MODELS_TOPIC, models);
        s.put(ServingConfig.DLQ_TOPIC, dlq);
        s.put(ServingConfig.BATCH_SIZE, "8");
        s.put(ServingConfig.BATCH_LINGER_MS, "20");
        s.put(ServingConfig.METRICS_PORT, "0");
        s.put(ServingConfig.STATE_DIR, stateDir.resolve(instance).toString());
        // A killed instance's partitions move after this long, not the default 45 s.
        s.put(ServingConfig.KAFKA_PREFIX + "session.timeout.ms", "6000");
        s.put(ServingConfig.KAFKA_PREFIX + "heartbeat.interval.ms", "1000");
        return s;
    }

    private Map<String, String> settingsWithQueries(String instance) {
        Map<String, String> s = settings(instance);
        s.put(ServingConfig.QUERY_STORE, "true");
        return s;
    }

    @Test
    void embedsEveryImageFollowsNewVersionsRefusesBadOnesAndDeadLettersBadImages() throws Exception {
        publish(ServingFixtures.parts(ServingFixtures.modelVersion("it", 1, 1)));
        try (EmbeddingService service = new EmbeddingService(new ServingConfig(settingsWithQueries("a")));
             KafkaConsumer<String, EmbeddingRecord> out = committedReader(embeddings, EmbeddingRecord.class)) {
            service.start();
            assertEquals(1, service.liveModel().id().orElseThrow().version(), "the version present at start");

            byte[] notAvro = "not an image record".getBytes(StandardCharsets.UTF_8);
            ImageRecord corrupt = ServingFixtures.image("corrupt", Arrays.copyOf(ServingFixtures.jpeg(99), 50));
            sendImages(0, 20);
            sendRaw("garbage", notAvro);
            sendImage(corrupt);
            Map<String, EmbeddingRecord> seen = readUntil(out, m -> m.size() == 20);
            assertTrue(seen.values().stream().allMatch(e -> e.getModelVersion() == 1));

            try (KafkaConsumer<String, DeadLetter> dead = committedReader(dlq, DeadLetter.class)) {
                List<DeadLetter> letters = new ArrayList<>(readUntil(dead, m -> m.size() == 2).values());
                DeadLetter garbage = letters.stream().filter(d -> Arrays.equals(bytes(d.getValue()), notAvro))
                        .findFirst().orElseThrow(() -> new AssertionError("no dead letter for the garbage bytes"));
                assertEquals(images, garbage.getTopic());
                assertTrue(letters.stream().anyMatch(d -> d.getReason().contains("image corrupt rejected")));
            }

            // A new version mid-stream: picked up without a restart, later images carry it.
            publish(ServingFixtures.parts(ServingFixtures.modelVersion("it", 2, 2)));
            await(() -> service.liveModel().id().orElseThrow().version() == 2);
            sendImages(20, 40);
            seen = readUntil(out, m -> m.size() == 20);
            assertTrue(seen.values().stream().allMatch(e -> e.getModelVersion() == 2), "after the swap: v2");

            // A version failing its checksum and one that does not load are refused; v2 stays.
            publish(tampered(ServingFixtures.parts(ServingFixtures.modelVersion("it", 3, 3))));
            ModelVersion garbageWeights = new ModelVersion("it", 4, 400, "extrema-target-weights",
                    ServingFixtures.tinyConfig().toMap(), Map.of(), new byte[70_000], System.currentTimeMillis());
            new Random(4).nextBytes(garbageWeights.weights());
            publish(ServingFixtures.parts(garbageWeights));
            await(() -> service.metrics().value("refused-model-versions-total") == 2);
            sendImages(40, 50);
            seen = readUntil(out, m -> m.size() == 10);
            assertTrue(seen.values().stream().allMatch(e -> e.getModelVersion() == 2), "refused versions unused");

            String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + service.metricsPort().orElseThrow() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scrape.contains("extrema_serving_embeddings_total 50.0"), scrape);
            assertTrue(scrape.contains("extrema_serving_model_version 2.0"), scrape);
            assertTrue(scrape.contains("extrema_serving_refused_model_versions_total 2.0"), scrape);
            assertTrue(scrape.contains("extrema_serving_dead_letters_total{cause=\"deserialization\"} 1.0"), scrape);
            assertTrue(scrape.contains("extrema_serving_dead_letters_total{cause=\"processing\"} 1.0"), scrape);
            assertTrue(scrape.contains("stream_thread_metrics_process_total{"), "Kafka Streams' own metrics");

            // Interactive queries: an image's embedding by id, and its nearest among the same version's.
            int port = service.metricsPort().orElseThrow();
            Map<String, Object> one = getJson(port, "/embeddings/img-45", Map.class);
            assertEquals(2, ((Number) one.get("modelVersion")).intValue());
            List<Number> vector = (List<Number>) one.get("instance");
            List<Float> expected = seen.get("img-45").getInstance();
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), vector.get(i).floatValue(), 1e-6f);
            }
            List<Map<String, Object>> near = getJson(port, "/embeddings/img-45/nearest?k=5", List.class);
            assertEquals(5, near.size());
            double previous = 1.0 + 1e-6;
            for (Map<String, Object> n : near) {
                int index = Integer.parseInt(((String) n.get("imageId")).substring("img-".length()));
                assertTrue(index >= 20 && index != 45, "only other images embedded by v2: " + n);
                double cosine = ((Number) n.get("cosine")).doubleValue();
                assertTrue(cosine <= previous, "sorted by similarity: " + near);
                previous = cosine;
            }
            assertEquals(404, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + port + "/embeddings/no-such-image")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static <T> T getJson(int port, String path, Class<T> type) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readValue(r.body(), type);
    }

    @Test
    void twoInstancesShareThePartitionsAndWhenOneIsKilledTheOtherEmbedsTheRestExactlyOnce() throws Exception {
        publish(ServingFixtures.parts(ServingFixtures.modelVersion("it", 1, 1)));
        Process other = startChildInstance(settingsWithQueries("b"));
        try (EmbeddingService service = new EmbeddingService(new ServingConfig(settingsWithQueries("a")));
             KafkaConsumer<String, EmbeddingRecord> out = committedReader(embeddings, EmbeddingRecord.class)) {
            service.start();
            // Both in the group: this instance owns only some of the 4 partitions.
            await(() -> activeTasks(service) > 0 && activeTasks(service) < 4);

            Map<String, Integer> counts = new HashMap<>();
            int total = 300;
            int sent = 0;
            // Stream images until the other instance has demonstrably committed embeddings of its own.
            while (sent < total / 2 || counts.size() <= service.metrics().value("embeddings-total")) {
                sendImages(sent, sent + 10);
                sent += 10;
                drain(out, counts, Duration.ofMillis(200));
                assertTrue(sent < total, "the other instance never embedded anything");
            }
            // Queries reach every image from either instance: this one answers some, the other the rest.
            Set<Object> servedBy = new HashSet<>();
            for (String id : new ArrayList<>(counts.keySet()).subList(0, 40)) {
                servedBy.add(getJson(service.metricsPort().orElseThrow(), "/embeddings/" + id, Map.class)
                        .get("servedBy"));
            }
            assertEquals(2, servedBy.size(), "answered by both instances: " + servedBy);

            other.destroyForcibly().waitFor(); // SIGKILL: no close, no commit, no leaving the group
            sendImages(sent, total);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (counts.size() < total && System.nanoTime() < deadline) {
                drain(out, counts, Duration.ofMillis(500));
            }
            drain(out, counts, Duration.ofSeconds(3)); // anything duplicated would show up here
            assertEquals(total, counts.size(), "every image embedded");
            Map<String, Integer> twice = counts.entrySet().stream().filter(e -> e.getValue() != 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertTrue(twice.isEmpty(), "embedded more than once: " + twice);
            assertEquals(4, activeTasks(service), "the survivor owns every partition");
        } finally {
            other.destroyForcibly().waitFor();
        }
    }

    private static int activeTasks(EmbeddingService service) {
        return service.streams().metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }

    private Process startChildInstance(Map<String, String> settings) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"),
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro", "-Dai.djl.offline=true",
                "-Xmx512m", EmbeddingService.class.getName()));
        settings.forEach((k, v) -> command.add(k + "=" + v));
        File log = new File("target/serving-child-" + run + ".log");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    }

    private void drain(KafkaConsumer<String, EmbeddingRecord> out, Map<String, Integer> counts, Duration time) {
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, EmbeddingRecord> r : out.poll(Duration.ofMillis(100))) {
                assertEquals(1, r.value().getModelVersion());
                counts.merge(r.key(), 1, Integer::sum);
            }
        }
    }

    /** Reads until the records read so far (by key) satisfy {@code done}. */
    private static <T> Map<String, T> readUntil(KafkaConsumer<String, T> consumer, Predicate<Map<String, T>> done) {
        Map<String, T> seen = new HashMap<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!done.test(seen)) {
            assertTrue(System.nanoTime() < deadline, "gave up waiting; read " + seen.size());
            for (ConsumerRecord<String, T> r : consumer.poll(Duration.ofMillis(200))) {
                seen.put(r.key() == null ? r.topic() + "@" + r.offset() : r.key(), r.value());
            }
        }
        return seen;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "gave up waiting");
            Thread.sleep(100);
        }
    }

    /** Chunk 1's bytes changed after its checksum was taken. */
    private static List<KeyedPart> tampered(List<KeyedPart> parts) {
        List<KeyedPart> out = new ArrayList<>(parts);
        KeyedPart p = out.get(1);
        ModelChunk c = (ModelChunk) p.part().getPart();
        byte[] data = bytes(c.getData());
        data[10] ^= 0x5a;
        ModelPart changed = ModelPart.newBuilder(p.part()).setPart(new ModelChunk(c.getIndex(),
                ByteBuffer.wrap(data), c.getSha256())).build();
        out.set(1, new KeyedPart(p.key(), changed));
        return out;
    }

    private void publish(List<KeyedPart> parts) {
        ServingFixtures.publish(stack.bootstrapServers(), stack.registryUrl(), models, parts);
    }

    private void sendImages(int from, int to) {
        for (int i = from; i < to; i++) {
            sendImage(ServingFixtures.image("img-" + i, ServingFixtures.jpeg(i)));
        }
    }

    private void sendImage(ImageRecord image) {
        if (imageProducer == null) {
            SpecificAvroSerializer<ImageRecord> values = new SpecificAvroSerializer<>();
            values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
            imageProducer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    stack.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), values);
        }
        imageProducer.send(new ProducerRecord<>(images, image.getId(), image));
        imageProducer.flush();
    }

    private void sendRaw(String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(images, key, value));
        }
    }

    @AfterEach
    void closeProducer() {
        if (imageProducer != null) {
            imageProducer.close();
        }
    }

    /** A read_committed reader of a whole topic, from the beginning, without a group. */
    private <T extends org.apache.avro.specific.SpecificRecord> KafkaConsumer<String, T> committedReader(
            String topic, Class<T> type) {
        SpecificAvroDeserializer<T> values = new SpecificAvroDeserializer<>(type);
        values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
        KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
                (Deserializer<T>) values);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
