package io.extrema.serving.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.extrema.stack.StackSettings;
import io.extrema.stack.junit.LocalStackExtension;
import java.io.File;
import java.io.IOException;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

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
                List<DeadLetter> letters =
                        new ArrayList<>(readUntil(dead, m -> m.size() == 2).values());
                DeadLetter garbage = letters.stream()
                        .filter(d -> Arrays.equals(bytes(d.getValue()), notAvro))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no dead letter for the garbage bytes"));
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
            ModelVersion garbageWeights = new ModelVersion(
                    "it",
                    4,
                    400,
                    "extrema-target-weights",
                    ServingFixtures.tinyConfig().toMap(),
                    Map.of(),
                    new byte[70_000],
                    System.currentTimeMillis());
            new Random(4).nextBytes(garbageWeights.weights());
            publish(ServingFixtures.parts(garbageWeights));
            await(() -> service.metrics().value("refused-model-versions-total") == 2);
            sendImages(40, 50);
            seen = readUntil(out, m -> m.size() == 10);
            assertTrue(seen.values().stream().allMatch(e -> e.getModelVersion() == 2), "refused versions unused");

            String scrape = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + service.metricsPort().orElseThrow() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
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
            assertEquals(
                    404,
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(
                                                    "http://127.0.0.1:" + port + "/embeddings/no-such-image"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
        }
    }

    @Test
    void oneBatchServesEveryPartitionOfTheStreamThread() throws Exception {
        publish(ServingFixtures.parts(ServingFixtures.modelVersion("it", 1, 1)));
        Map<String, String> s = settings("a");
        // Neither the linger nor the max wait may cut the batch: on a slow machine the eight sends outlast the
        // default max wait (500 ms), and a batch of the first five went out (seen in CI).
        s.put(ServingConfig.BATCH_LINGER_MS, "10000");
        s.put(ServingConfig.BATCH_MAX_WAIT_MS, "10000");
        s.put(ServingConfig.STREAM_THREADS, "1"); // every task on one thread, whatever this machine's default
        try (EmbeddingService service = new EmbeddingService(new ServingConfig(s));
                KafkaConsumer<String, EmbeddingRecord> out = committedReader(embeddings, EmbeddingRecord.class)) {
            service.start();
            await(() -> activeTasks(service) == 4);
            // Two images on each of the four partitions: no task alone holds a batch of 8, the thread does.
            long sent = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                sendImage(ServingFixtures.image("img-" + i, ServingFixtures.jpeg(i)), i % 4);
            }
            Map<String, EmbeddingRecord> seen = readUntil(out, m -> m.size() == 8);
            long waitedMs = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(waitedMs < 5_000, "one full batch at once, not four lingering ones: " + waitedMs + " ms");
            assertEquals(8.0, service.metrics().value("batch-size-max"));
            assertEquals(1.0, service.metrics().value("batches-total"));
            assertEquals(8, seen.size());
        }
    }

    /** A query as a client makes it: a 503 (a rebalance has the store briefly unavailable) is retried, for 30 s. */
    private static <T> T getJson(int port, String path, Class<T> type) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        while (r.statusCode() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readValue(r.body(), type);
    }

    @Test
    void twoInstancesShareThePartitionsAndWhenOneCrashesMidStreamTheOtherEmbedsEveryImageExactlyOnce()
            throws Exception {
        publish(ServingFixtures.parts(ServingFixtures.modelVersion("it", 1, 1)));
        // The other instance keeps images waiting (batches never fill, long linger) and commits seldom, so while
        // images stream in it always has a batch buffered and embeddings in an open transaction when it dies.
        Map<String, String> otherSettings = settingsWithQueries("b");
        int otherPort = StackSettings.freePorts(1)[0];
        otherSettings.put(ServingConfig.METRICS_PORT, String.valueOf(otherPort));
        otherSettings.put(ServingConfig.BATCH_SIZE, "1000");
        otherSettings.put(ServingConfig.BATCH_LINGER_MS, "1000");
        otherSettings.put(ServingConfig.BATCH_MAX_WAIT_MS, "2000");
        otherSettings.put(ServingConfig.KAFKA_PREFIX + "commit.interval.ms", "5000");
        otherSettings.put(ServingConfig.BATCH_COMMIT_SPACING_MS, "5000");
        Process other = startChildInstance(otherSettings);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger stopAt = new AtomicInteger(5_000);
        CompletableFuture<Void> stream = null;
        try (EmbeddingService service = new EmbeddingService(new ServingConfig(settingsWithQueries("a")));
                KafkaConsumer<String, EmbeddingRecord> out = committedReader(embeddings, EmbeddingRecord.class);
                KafkaConsumer<byte[], byte[]> uncommitted = new KafkaConsumer<>(
                        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            service.start();
            // Both in the group: this instance owns only some of the 4 partitions.
            await(() -> activeTasks(service) > 0 && activeTasks(service) < 4);

            // Its own thread: the common pool may have a single, busy one on a small machine.
            stream = CompletableFuture.runAsync(
                    () -> {
                        while (sent.get() < stopAt.get()) {
                            sendImage(ServingFixtures.image("img-" + sent.get(), ServingFixtures.jpeg(sent.get())));
                            sent.incrementAndGet();
                            sleep(20);
                        }
                    },
                    task -> new Thread(task, "image-stream").start());
            List<ConsumerRecord<String, EmbeddingRecord>> read = new ArrayList<>();
            List<TopicPartition> partitions = out.assignment().stream()
                    .sorted(Comparator.comparingInt(TopicPartition::partition))
                    .toList();
            boolean queried = false;
            String crash = null;
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (crash == null) {
                assertTrue(
                        System.nanoTime() < deadline,
                        "the other instance never had a batch buffered and a " + "transaction open; read " + read.size()
                                + ", log in target/serving-child-" + run + ".log");
                drain(out, read, Duration.ofMillis(200));
                Set<Integer> ours = ownPartitions(service);
                List<TopicPartition> theirs = partitions.stream()
                        .filter(tp -> !ours.contains(tp.partition()))
                        .toList();
                if (ours.size() == 4 || read.stream().allMatch(r -> ours.contains(r.partition()))) {
                    continue; // the other instance has not committed embeddings of its own yet
                }
                if (!queried) {
                    // Queries reach every image from either instance: this one answers its partitions' images, the
                    // other the rest. One image of each partition with embeddings so far.
                    Map<Integer, String> onePerPartition = new HashMap<>();
                    read.forEach(r -> onePerPartition.putIfAbsent(r.partition(), r.key()));
                    Set<Object> servedBy = new HashSet<>();
                    for (String id : onePerPartition.values()) {
                        servedBy.add(getJson(service.metricsPort().orElseThrow(), "/embeddings/" + id, Map.class)
                                .get("servedBy"));
                    }
                    assertEquals(2, servedBy.size(), "answered by both instances: " + servedBy);
                    queried = true;
                }
                // Buffered: images its stream thread took in and has not embedded yet. Open transaction: records
                // written to its output partitions beyond what read_committed readers may see yet.
                String scrape = scrape(otherPort);
                double buffered = sum(scrape, "stream_thread_metrics_process_total")
                        - sum(scrape, "extrema_serving_embeddings_total");
                Map<TopicPartition, Long> written = uncommitted.endOffsets(theirs);
                Map<TopicPartition, Long> stable = out.endOffsets(theirs);
                List<TopicPartition> open = theirs.stream()
                        .filter(tp -> written.get(tp) > stable.get(tp))
                        .toList();
                if (queried && buffered > 0 && !open.isEmpty()) {
                    crash = buffered + " images buffered, embeddings in an open transaction on " + open + " (written "
                            + written + ", stable " + stable + ") after " + sent.get() + " images";
                    other.destroyForcibly().waitFor(); // SIGKILL: no close, no commit, no leaving the group
                }
            }
            assertFalse(stream.isDone(), "images were still streaming in at the crash");
            // Images keep coming after the crash too.
            stopAt.set(sent.get() + 100);
            stream.get(1, TimeUnit.MINUTES);
            int total = sent.get();

            deadline = System.nanoTime() + PATIENCE.toNanos();
            while (ids(read).size() < total && System.nanoTime() < deadline) {
                drain(out, read, Duration.ofMillis(500));
            }
            drain(out, read, Duration.ofSeconds(3)); // anything duplicated would show up here
            Map<String, Integer> perImageAndVersion = new HashMap<>();
            for (ConsumerRecord<String, EmbeddingRecord> r : read) {
                perImageAndVersion.merge(
                        r.value().getImageId() + " v" + r.value().getModelVersion(), 1, Integer::sum);
            }
            Map<String, Integer> twice = perImageAndVersion.entrySet().stream()
                    .filter(e -> e.getValue() != 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertEquals(Map.of(), twice, "embedded more than once by one model version; crash with " + crash);
            Set<String> lost = new TreeSet<>();
            for (int i = 0; i < total; i++) {
                lost.add("img-" + i);
            }
            lost.removeAll(ids(read));
            assertEquals(Set.of(), lost, "never embedded, of " + total + "; crash with " + crash);
            assertEquals(4, activeTasks(service), "the survivor owns every partition");
        } finally {
            stopAt.set(0);
            if (stream != null) {
                stream.handle((done, failed) -> null).get(1, TimeUnit.MINUTES); // a failure was reported above
            }
            other.destroyForcibly().waitFor();
        }
    }

    private static Set<String> ids(List<ConsumerRecord<String, EmbeddingRecord>> records) {
        return records.stream().map(r -> r.value().getImageId().toString()).collect(Collectors.toSet());
    }

    private static Set<Integer> ownPartitions(EmbeddingService service) {
        return service.streams().metadataForLocalThreads().stream()
                .flatMap(t -> t.activeTasks().stream())
                .map(t -> t.taskId().partition())
                .collect(Collectors.toSet());
    }

    private static String scrape(int port) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .build();
        return HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The sum of a Prometheus metric's samples over all its labels. */
    private static double sum(String scrape, String metric) {
        return scrape.lines()
                .filter(l -> l.startsWith(metric + " ") || l.startsWith(metric + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int activeTasks(EmbeddingService service) {
        return service.streams().metadataForLocalThreads().stream()
                .mapToInt(t -> t.activeTasks().size())
                .sum();
    }

    private Process startChildInstance(Map<String, String> settings) throws IOException {
        return ServiceJvm.start(
                List.of("-Xmx512m"),
                settings.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList(),
                new File("target/serving-child-" + run + ".log"));
    }

    private void drain(
            KafkaConsumer<String, EmbeddingRecord> out,
            List<ConsumerRecord<String, EmbeddingRecord>> read,
            Duration time) {
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, EmbeddingRecord> r : out.poll(Duration.ofMillis(100))) {
                assertEquals(1, r.value().getModelVersion());
                read.add(r);
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
        ModelPart changed = ModelPart.newBuilder(p.part())
                .setPart(new ModelChunk(c.getIndex(), ByteBuffer.wrap(data), c.getSha256()))
                .build();
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
        sendImage(image, null);
    }

    private void sendImage(ImageRecord image, Integer partition) {
        if (imageProducer == null) {
            SpecificAvroSerializer<ImageRecord> values = new SpecificAvroSerializer<>();
            values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
            imageProducer = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            stack.bootstrapServers(),
                            ProducerConfig.LINGER_MS_CONFIG,
                            0),
                    new StringSerializer(),
                    values);
        }
        imageProducer.send(new ProducerRecord<>(images, partition, image.getId(), image));
        imageProducer.flush();
    }

    private void sendRaw(String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                new StringSerializer(),
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
        KafkaConsumer<String, T> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                (Deserializer<T>) values);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
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
