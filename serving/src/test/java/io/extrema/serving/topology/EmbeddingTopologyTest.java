package io.extrema.serving.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.model.Embedder;
import io.extrema.model.FloatEmbeddings;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.serving.ServingFixtures;
import io.extrema.serving.app.EmbeddingService;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.embed.ImagePreparation;
import io.extrema.serving.embed.InferenceWorkers;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.ServingMetrics;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding topology's logic in a TopologyTestDriver, with the real registry (the Avro serdes) and real
 * libtorch (tiny networks).
 */
@ExtendWith(LocalStackExtension.class)
class EmbeddingTopologyTest {
    private static final String IMAGES = "ttd-images";
    private static final String EMBEDDINGS = "ttd-embeddings";
    private static final String DLQ = "ttd-dlq";
    private static final long LINGER = 1000;

    private static ModelVersion v1;
    private static ModelVersion v2;

    private final StackEndpoints stack;

    @TempDir
    Path stateDir;

    private final ServingMetrics metrics = new ServingMetrics();
    private final LiveModel live = new LiveModel(metrics);
    private TopologyTestDriver driver;
    private TestInputTopic<String, ImageRecord> images;
    private TestInputTopic<String, byte[]> rawImages;
    private TestOutputTopic<String, EmbeddingRecord> embeddings;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;

    EmbeddingTopologyTest(StackEndpoints stack) {
        this.stack = stack;
    }

    @BeforeAll
    static void versions() {
        v1 = ServingFixtures.modelVersion("ttd", 1, 1);
        v2 = ServingFixtures.modelVersion("ttd", 2, 2);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
        live.close();
        metrics.close();
    }

    private void start(Map<String, String> settings) {
        Map<String, String> s = new HashMap<>(Map.of(
                ServingConfig.BOOTSTRAP_SERVERS,
                "unused:9092",
                ServingConfig.SCHEMA_REGISTRY_URL,
                stack.registryUrl(),
                ServingConfig.IMAGES_TOPIC,
                IMAGES,
                ServingConfig.EMBEDDINGS_TOPIC,
                EMBEDDINGS,
                ServingConfig.DLQ_TOPIC,
                DLQ,
                ServingConfig.BATCH_SIZE,
                "4",
                ServingConfig.BATCH_LINGER_MS,
                Long.toString(LINGER),
                ServingConfig.STATE_DIR,
                stateDir.toString()));
        s.putAll(settings);
        ServingConfig config = new ServingConfig(s);
        Map<String, Object> streamsConfig = EmbeddingService.streamsConfig(config, metrics);
        Properties props = new Properties();
        props.putAll(streamsConfig);
        driver = new TopologyTestDriver(
                EmbeddingTopology.build(config, streamsConfig, live, InferenceWorkers.inline(metrics)),
                props,
                Instant.ofEpochMilli(0));
        Map<String, String> serde = Map.of("schema.registry.url", stack.registryUrl());
        SpecificAvroSerializer<ImageRecord> imageSerializer = new SpecificAvroSerializer<>();
        imageSerializer.configure(serde, false);
        SpecificAvroDeserializer<EmbeddingRecord> embeddingDeserializer =
                new SpecificAvroDeserializer<>(EmbeddingRecord.class);
        embeddingDeserializer.configure(serde, false);
        SpecificAvroDeserializer<DeadLetter> deadLetterDeserializer = new SpecificAvroDeserializer<>(DeadLetter.class);
        deadLetterDeserializer.configure(serde, false);
        images = driver.createInputTopic(IMAGES, new StringSerializer(), imageSerializer);
        rawImages = driver.createInputTopic(IMAGES, new StringSerializer(), new ByteArraySerializer());
        embeddings = driver.createOutputTopic(EMBEDDINGS, new StringDeserializer(), embeddingDeserializer);
        deadLetters = driver.createOutputTopic(DLQ, new ByteArrayDeserializer(), deadLetterDeserializer);
    }

    private void pipe(int from, int to) {
        for (int i = from; i < to; i++) {
            // Timestamps deliberately out of order: the output must copy each input's own.
            images.pipeInput(new TestRecord<>(
                    "id" + i,
                    ServingFixtures.image("id" + i, ServingFixtures.jpeg(i)),
                    Instant.ofEpochMilli(50_000 - i * 1_000L)));
        }
    }

    @Test
    void batchesBySizeThenByLingerKeepingOrderTimestampsAndModel() throws Exception {
        live.swap(ServingModel.load(v1));
        start(Map.of());

        pipe(0, 10);
        List<TestRecord<String, EmbeddingRecord>> out = embeddings.readRecordsToList();
        assertEquals(
                perInput(0, 8), countsByKey(out), "two full batches of 4 run at once; 2 images wait for the linger");
        driver.advanceWallClockTime(Duration.ofMillis(LINGER));
        out.addAll(embeddings.readRecordsToList());
        assertEquals(perInput(0, 10), countsByKey(out));
        assertNothingMore();

        ImagePreparation preparation = new ServingConfig(Map.of()).imagePreparation();
        try (Embedder direct = Embedder.load(ServingFixtures.tinyConfig().withSeed(1), v1.weights())) {
            for (int i = 0; i < 10; i++) {
                TestRecord<String, EmbeddingRecord> r = out.get(i);
                EmbeddingRecord e = r.value();
                assertEquals("id" + i, r.key());
                assertEquals("id" + i, e.getImageId());
                assertEquals(50_000 - i * 1_000L, r.timestamp());
                assertEquals("ttd", e.getModelName());
                assertEquals(1, e.getModelVersion());
                assertEquals(100, e.getModelStep());
                assertEquals("fixtures", e.getSource());
                assertEquals("label-id" + i, e.getLabel());
                assertTrue(e.getAttributes().isEmpty(), "attributes pass through only when configured");
                assertNull(e.getTokens());
                assertFalse(e.getNormalized());
                // The same image embedded alone in process gives the same vector: right image, right order.
                float[] chw = preparation.prepare(ServingFixtures.image("id" + i, ServingFixtures.jpeg(i)), 32);
                FloatEmbeddings expected = direct.embed(chw, 1);
                assertArrayEquals(expected.instance()[0], floats(e.getInstance()), 1e-4f);
            }
        }
        assertEquals(4.0, metrics.value("batch-size-max"));
        assertEquals(10.0, metrics.value("embeddings-total"));
        assertEquals(3.0, metrics.value("batches-total"));
        assertEquals(1.0, metrics.value("model-version"));
    }

    @Test
    void aThreadBehindTheStreamWaitsForFullBatchesUpToTheMaxWait() throws Exception {
        live.swap(ServingModel.load(v1));
        start(Map.of(ServingConfig.BATCH_MAX_WAIT_MS, Long.toString(3 * LINGER)));
        // The wall clock is far past the images' timestamps (50 s and before): the thread is behind the stream.
        driver.advanceWallClockTime(Duration.ofMillis(100_000));
        pipe(0, 2);
        driver.advanceWallClockTime(Duration.ofMillis(LINGER));
        assertTrue(embeddings.isEmpty(), "behind, a lingered batch of 2 waits for more");
        driver.advanceWallClockTime(Duration.ofMillis(2 * LINGER));
        assertEquals(perInput(0, 2), countsByKey(embeddings.readRecordsToList()), "the max wait bounds it");
        assertEquals(1.0, metrics.value("batches-total"));
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndGoodOnesFlow() throws Exception {
        live.swap(ServingModel.load(v1));
        start(Map.of());

        rawImages.pipeInput("garbage", "definitely not an image record".getBytes(StandardCharsets.UTF_8));
        byte[] corrupt = Arrays.copyOf(ServingFixtures.jpeg(7), 40); // a JPEG cut short after its header
        images.pipeInput("bad", ServingFixtures.image("bad", corrupt));
        ImageRecord notJpeg = ServingFixtures.image("text", "hello".getBytes(StandardCharsets.UTF_8));
        images.pipeInput("text", notJpeg);
        pipe(0, 1);
        driver.advanceWallClockTime(Duration.ofMillis(LINGER));

        List<TestRecord<String, EmbeddingRecord>> good = embeddings.readRecordsToList();
        assertEquals(Map.of("id0", 1L), countsByKey(good), "the good image once, the bad ones never");

        List<TestRecord<byte[], DeadLetter>> dead = deadLetters.readRecordsToList();
        // The driver drops what the deserialization handler sends (it runs outside the driver's processing
        // loop), so here only its count is checked; EmbeddingServiceIT checks that dead letter on a real broker.
        Map<String, Long> deadPerImage = new HashMap<>();
        for (TestRecord<byte[], DeadLetter> d : dead) {
            // The original record bytes, which still decode to the image record that failed.
            SpecificAvroDeserializer<ImageRecord> read = new SpecificAvroDeserializer<>(ImageRecord.class);
            read.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
            ImageRecord original = read.deserialize(IMAGES, bytes(d.value().getValue()));
            deadPerImage.merge(String.valueOf(original.getId()), 1L, Long::sum);
            assertTrue(
                    d.value().getReason().contains("image " + original.getId() + " rejected"),
                    d.value().getReason());
            assertEquals("serving", d.value().getStage());
            assertEquals(IMAGES, d.value().getTopic());
        }
        assertEquals(Map.of("bad", 1L, "text", 1L), deadPerImage, "one dead letter per bad image");
        driver.advanceWallClockTime(Duration.ofMillis(LINGER));
        assertTrue(embeddings.isEmpty() && deadLetters.isEmpty(), "nothing more later");
        assertEquals(1.0, metrics.value("dead-letters-total", Map.of("cause", "deserialization")));
        assertEquals(2.0, metrics.value("dead-letters-total", Map.of("cause", "processing")));
    }

    @Test
    void waitModeHoldsImagesUntilAModelArrives() throws Exception {
        start(Map.of());
        pipe(0, 6);
        driver.advanceWallClockTime(Duration.ofMillis(3 * LINGER));
        assertTrue(embeddings.isEmpty(), "no model, no embedding");

        live.swap(ServingModel.load(v2));
        driver.advanceWallClockTime(Duration.ofMillis(LINGER));
        List<TestRecord<String, EmbeddingRecord>> out = embeddings.readRecordsToList();
        assertEquals(perInput(0, 6), countsByKey(out));
        assertNothingMore();
        for (int i = 0; i < 6; i++) {
            assertEquals("id" + i, out.get(i).key());
            assertEquals(2, out.get(i).value().getModelVersion());
        }
    }

    @Test
    void freshModelSaysVersionZeroInEveryRecord() {
        live.swap(ServingModel.fresh("fresh-tiny", ServingFixtures.tinyConfig()));
        start(Map.of());
        pipe(0, 4);
        List<TestRecord<String, EmbeddingRecord>> out = embeddings.readRecordsToList();
        assertEquals(perInput(0, 4), countsByKey(out));
        assertNothingMore();
        for (TestRecord<String, EmbeddingRecord> r : out) {
            assertEquals(0, r.value().getModelVersion());
            assertEquals("fresh-tiny", r.value().getModelName());
        }
    }

    @Test
    void aSwapTakesEffectAtTheNextBatchAndTheOldModelClosesAfterItsLastBatch() throws Exception {
        live.swap(ServingModel.load(v1));
        start(Map.of());
        pipe(0, 4);
        ServingModel.Lease inFlight = live.lease().orElseThrow(); // as a batch running on another thread would
        live.swap(ServingModel.load(v2));
        pipe(4, 8);
        List<TestRecord<String, EmbeddingRecord>> out = embeddings.readRecordsToList();
        assertEquals(perInput(0, 8), countsByKey(out));
        assertNothingMore();
        for (int i = 0; i < 8; i++) {
            assertEquals(i < 4 ? 1 : 2, out.get(i).value().getModelVersion(), "record " + i);
        }
        float[] blank = new float[3 * 32 * 32];
        assertEquals(32, inFlight.model().embed(blank, 1).instance()[0].length, "v1 still usable by its batch");
        inFlight.close();
        assertThrows(RuntimeException.class, () -> inFlight.model().embed(blank, 1), "v1 closed after it");
    }

    @Test
    void patchTokensWithTheirGridNormalisedAndAttributesWhenConfigured() throws Exception {
        live.swap(ServingModel.load(v1));
        start(Map.of(
                ServingConfig.OUTPUT_TOKENS,
                "true",
                ServingConfig.OUTPUT_NORMALIZE,
                "true",
                ServingConfig.OUTPUT_ATTRIBUTES,
                "true"));
        pipe(0, 4);
        List<TestRecord<String, EmbeddingRecord>> out = embeddings.readRecordsToList();
        assertEquals(perInput(0, 4), countsByKey(out));
        assertNothingMore();
        for (TestRecord<String, EmbeddingRecord> r : out) {
            EmbeddingRecord e = r.value();
            assertTrue(e.getNormalized());
            assertEquals(1.0, norm(floats(e.getInstance()), 0, 32), 1e-4);
            assertEquals(8, e.getTokenGrid().getRows());
            assertEquals(8, e.getTokenGrid().getCols());
            assertEquals(32, e.getTokenGrid().getDim());
            float[] tokens = floats(e.getTokens());
            assertEquals(8 * 8 * 32, tokens.length);
            for (int t = 0; t < 64; t++) {
                assertEquals(1.0, norm(tokens, t * 32, 32), 1e-4, "token " + t);
            }
            assertEquals(Map.of("camera", "c1"), e.getAttributes());
        }
    }

    /** One output for each of the images {@code id<from>..id<to-1>}. */
    private static Map<String, Long> perInput(int from, int to) {
        Map<String, Long> out = new HashMap<>();
        for (int i = from; i < to; i++) {
            out.put("id" + i, 1L);
        }
        return out;
    }

    private static Map<String, Long> countsByKey(List<TestRecord<String, EmbeddingRecord>> records) {
        Map<String, Long> out = new HashMap<>();
        records.forEach(r -> out.merge(r.key(), 1L, Long::sum));
        return out;
    }

    /** Once every image is out, a later linger emits nothing again, and no good image was dead-lettered. */
    private void assertNothingMore() {
        driver.advanceWallClockTime(Duration.ofMillis(LINGER));
        assertTrue(embeddings.isEmpty(), "embedded again: " + embeddings.readRecordsToList());
        assertTrue(deadLetters.isEmpty(), "dead letters of good images: " + deadLetters.readRecordsToList());
    }

    private static double norm(float[] v, int from, int length) {
        double sq = 0;
        for (int i = from; i < from + length; i++) {
            sq += (double) v[i] * v[i];
        }
        return Math.sqrt(sq);
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
