package io.extrema.serving.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.AlertSeverity;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.deadletter.DeadLetters;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The statistics topology on a TopologyTestDriver; the serdes talk to the real registry of the local stack.
 * Windows are 10 s tumbling with no grace, so a record 10 s later closes the previous window.
 */
@ExtendWith(LocalStackExtension.class)
class MonitorTopologyTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final long WINDOW = 10_000;
    static final int DIM = 32;

    @TempDir
    Path stateDir;

    private final StackEndpoints stack;
    private TopologyTestDriver driver;
    private TestInputTopic<String, EmbeddingRecord> embeddings;
    private TestInputTopic<byte[], DeadLetter> deadLetters;
    private TestInputTopic<String, TrainingMetrics> metrics;
    private TestOutputTopic<String, MonitorRecord> monitor;
    private TestOutputTopic<String, AlertRecord> alerts;
    private final Random random = new Random(7);
    private int ids;

    MonitorTopologyTest(StackEndpoints stack) {
        this.stack = stack;
    }

    @BeforeEach
    void start() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(MonitorConfig.WINDOW_SIZE_MS, WINDOW);
        settings.put(MonitorConfig.WINDOW_GRACE_MS, 0L);
        settings.put(MonitorConfig.BASELINE_WINDOWS, 2);
        settings.put(MonitorConfig.MIN_WINDOW_COUNT, 10L);
        settings.put(MonitorConfig.LAG_GROWTH_REPORTS, 3);
        settings.put(MonitorConfig.LAG_MIN_RECORDS, 100L);
        settings.put(MonitorConfig.MODEL_STALE_MS, 60_000L);
        MonitorConfig config = new MonitorConfig(settings);
        MonitorSerdes serdes = MonitorSerdes.of(Map.of("schema.registry.url", stack.registryUrl()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // The driver commits after every record; RocksDB flushes would dominate the test's time.
        props.put(
                StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG,
                BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
        driver = new TopologyTestDriver(MonitorTopology.build(config, serdes, new MonitorMeters()), props, T0);
        embeddings = driver.createInputTopic(
                config.getString(MonitorConfig.EMBEDDINGS_TOPIC),
                Serdes.String().serializer(),
                serdes.embeddings().serializer());
        deadLetters = driver.createInputTopic(
                config.getString(MonitorConfig.DLQ_TOPIC),
                Serdes.ByteArray().serializer(),
                serdes.deadLetters().serializer());
        metrics = driver.createInputTopic(
                config.getString(MonitorConfig.METRICS_TOPIC),
                Serdes.String().serializer(),
                serdes.metrics().serializer());
        monitor = driver.createOutputTopic(
                config.getString(MonitorConfig.MONITOR_TOPIC),
                Serdes.String().deserializer(),
                serdes.monitor().deserializer());
        alerts = driver.createOutputTopic(
                config.getString(MonitorConfig.ALERTS_TOPIC),
                Serdes.String().deserializer(),
                serdes.alerts().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void nearIdenticalEmbeddingsRaiseTheCollapseIndicatorAndAnAlert() {
        float[] healthyMean = direction(1);
        window("healthy", 0, 1, 40, healthyMean, 1.0f);
        float[] point = direction(2);
        window("collapsed", 0, 1, 40, point, 1e-4f);
        closeWindowsBefore(1);

        List<MonitorRecord> windows = records();
        MonitorRecord healthy = only(windows, "healthy");
        MonitorRecord collapsed = only(windows, "collapsed");
        assertEquals(40, collapsed.getCount());
        assertEquals(DIM, collapsed.getDimension());
        // A healthy spread is about 1/sqrt(d); a collapsed one is orders of magnitude below.
        assertTrue(healthy.getSpread() * Math.sqrt(DIM) > 0.5, "healthy spread " + healthy.getSpread());
        assertTrue(collapsed.getSpread() * Math.sqrt(DIM) < 0.01, "collapsed spread " + collapsed.getSpread());

        List<AlertRecord> raised = alerts.readValuesToList();
        assertEquals(
                List.of("collapsed"),
                raised.stream()
                        .filter(a -> a.getRule().equals(AlertRules.COLLAPSE))
                        .map(AlertRecord::getSubject)
                        .toList());
        AlertRecord alert = raised.get(0);
        assertEquals(AlertSeverity.CRITICAL, alert.getSeverity());
        assertTrue(alert.getValue() < alert.getThreshold());
    }

    @Test
    void aShiftedStreamRaisesDrift() {
        float[] a = direction(3);
        float[] b = direction(4);
        List<List<float[]>> sent = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            sent.add(window("cam", w, 1, 30, a, 0.5f));
        }
        sent.add(window("cam", 4, 1, 30, b, 0.5f));
        closeWindowsBefore(5);

        List<MonitorRecord> cam =
                records().stream().filter(r -> r.getSource().equals("cam")).toList();
        assertEquals(5, cam.size());
        assertNull(cam.get(0).getDriftPrevious(), "the first window has nothing to compare with");
        for (int w = 1; w < 4; w++) {
            assertTrue(cam.get(w).getDriftPrevious() < 0.05, "stable stream, window " + w + ": " + cam.get(w));
        }
        assertNull(cam.get(1).getDriftBaseline(), "baseline of 2 windows not complete before window 2");
        assertTrue(cam.get(2).getDriftBaseline() < 0.05);
        MonitorRecord shifted = cam.get(4);
        assertTrue(shifted.getDriftPrevious() > 0.3, "shifted window: " + shifted);
        assertTrue(shifted.getDriftBaseline() > 0.3, "shifted window: " + shifted);
        // Drift by its definition, from the embeddings sent: cosine distance between the window's mean unit
        // vector and the previous window's, and the mean over the baseline (windows 0 and 1).
        List<float[]> baseline = new ArrayList<>(sent.get(0));
        baseline.addAll(sent.get(1));
        for (int w = 1; w < 5; w++) {
            assertEquals(
                    cosineDistance(meanDirection(sent.get(w)), meanDirection(sent.get(w - 1))),
                    cam.get(w).getDriftPrevious(),
                    1e-9,
                    "drift from the previous window, window " + w);
            if (w >= 2) {
                assertEquals(
                        cosineDistance(meanDirection(sent.get(w)), meanDirection(baseline)),
                        cam.get(w).getDriftBaseline(),
                        1e-9,
                        "drift from the baseline, window " + w);
            }
        }

        List<AlertRecord> drift = alerts.readValuesToList().stream()
                .filter(x -> x.getRule().equals(AlertRules.DRIFT))
                .toList();
        assertEquals(1, drift.size(), "only the shifted window drifts: " + drift);
        assertEquals("cam", drift.get(0).getSubject());
        double expected = Math.max(
                cosineDistance(meanDirection(sent.get(4)), meanDirection(sent.get(3))),
                cosineDistance(meanDirection(sent.get(4)), meanDirection(baseline)));
        assertEquals(expected, drift.get(0).getValue(), 1e-9, "the alert reports the larger drift");
        assertTrue(
                drift.get(0).getMessage().contains(shifted.getWindowStart() + ".." + shifted.getWindowEnd()),
                drift.get(0).getMessage());
    }

    @Test
    void aModelVersionChangeAloneIsNotDrift() {
        float[] spaceOfV1 = direction(5);
        float[] spaceOfV2 = direction(6); // a new model embeds the same images somewhere else entirely
        for (int w = 0; w < 3; w++) {
            window("cam", w, 1, 30, spaceOfV1, 0.5f);
        }
        // The switch happens inside window 3: a few v1 embeddings, then v2.
        window("cam", 3, 1, 5, spaceOfV1, 0.5f);
        window("cam", 3, 2, 30, spaceOfV2, 0.5f);
        for (int w = 4; w < 7; w++) {
            window("cam", w, 2, 30, spaceOfV2, 0.5f);
        }
        closeWindowsBefore(7);

        List<MonitorRecord> cam =
                records().stream().filter(r -> r.getSource().equals("cam")).toList();
        assertEquals(7, cam.size());
        MonitorRecord mixed = cam.get(3);
        assertEquals(List.of(1L, 2L), mixed.getModelVersions());
        assertEquals(2L, mixed.getModelVersion());
        assertEquals(35, mixed.getCount());
        assertNull(mixed.getDriftPrevious(), "no reference of version 2 yet: " + mixed);
        assertNull(mixed.getDriftBaseline());
        assertTrue(cam.get(4).getDriftPrevious() < 0.05, "compared with version 2's own previous window");
        assertNull(cam.get(4).getDriftBaseline(), "version 2's baseline is still filling");
        assertTrue(cam.get(5).getDriftBaseline() < 0.05, "version 2's own baseline");
        assertTrue(alerts.readValuesToList().stream().noneMatch(a -> a.getRule().equals(AlertRules.DRIFT)));
    }

    @Test
    void deadLettersAboveTheShareRaiseAnAlert() {
        window("cam", 0, 1, 20, direction(8), 0.5f);
        for (int i = 0; i < 5; i++) {
            DeadLetter letter = DeadLetters.of(
                    "serving",
                    "extrema.images",
                    0,
                    (long) i,
                    null,
                    new byte[] {1, 2},
                    Map.of("source", ByteBuffer.wrap("cam".getBytes(StandardCharsets.UTF_8))),
                    "corrupt JPEG",
                    null);
            deadLetters.pipeInput(null, letter, T0.plusMillis(100 + i));
        }
        closeWindowsBefore(1);

        MonitorRecord cam = only(records(), "cam");
        assertEquals(5, cam.getDeadLetters());
        assertEquals(0.2, cam.getDeadLetterShare(), 1e-9);
        AlertRecord alert = alerts.readValuesToList().stream()
                .filter(a -> a.getRule().equals(AlertRules.DEAD_LETTER_RATE))
                .findFirst()
                .orElseThrow();
        assertEquals(0.2, alert.getValue(), 1e-9);
        assertEquals(0.05, alert.getThreshold(), 1e-9);
    }

    @Test
    void trainerRulesFireOnNonFiniteLossGrowingLagAndAStaleModel() {
        long t = T0.toEpochMilli();
        metrics.pipeInput("run", metric(t, 1.0, 10, 1));
        metrics.pipeInput("run", metric(t + 1_000, Double.NaN, 150, 1));
        metrics.pipeInput("run", metric(t + 2_000, 0.9, 400, 1));
        metrics.pipeInput("run", metric(t + 3_000, 0.8, 900, 1)); // third rise in a row: lag alert, once
        metrics.pipeInput("run", metric(t + 4_000, 0.8, 1500, 1));
        metrics.pipeInput("run", metric(t + 70_000, 0.7, 10, 1)); // version 1 for 70 s > 60 s
        metrics.pipeInput("run", metric(t + 80_000, 0.7, 10, 2)); // a new version: no more staleness

        List<AlertRecord> raised = alerts.readValuesToList();
        List<String> rules = raised.stream().map(AlertRecord::getRule).toList();
        assertEquals(
                List.of(AlertRules.LOSS_NOT_FINITE, AlertRules.TRAINER_LAG_GROWING, AlertRules.MODEL_STALE), rules);
        assertTrue(Double.isNaN(raised.get(0).getValue()));
        assertEquals(AlertSeverity.CRITICAL, raised.get(0).getSeverity());
        assertEquals(900, raised.get(1).getValue());
        assertEquals(70_000, raised.get(2).getValue());
        assertEquals("run", raised.get(2).getSubject());
    }

    @Test
    void staleModelIsReportedOnTheWallClockWhenTheTrainerFallsSilent() {
        metrics.pipeInput("run", metric(T0.toEpochMilli(), 1.0, 0, 3));
        driver.advanceWallClockTime(java.time.Duration.ofMinutes(2));
        List<AlertRecord> raised = alerts.readValuesToList();
        assertFalse(raised.isEmpty());
        assertEquals(AlertRules.MODEL_STALE, raised.get(0).getRule());
        assertEquals(3L, raised.get(0).getModelVersion());
    }

    // --- helpers ---

    private List<MonitorRecord> records() {
        return monitor.readValuesToList();
    }

    private static MonitorRecord only(List<MonitorRecord> records, String source) {
        List<MonitorRecord> of =
                records.stream().filter(r -> r.getSource().equals(source)).toList();
        assertEquals(1, of.size(), "windows of " + source + ": " + of);
        assertNotNull(of.get(0));
        return of.get(0);
    }

    /**
     * {@code n} embeddings of {@code source} in window {@code w}: mean + gaussian noise of scale {@code noise}.
     * Returns the vectors sent.
     */
    private List<float[]> window(String source, int w, long version, int n, float[] mean, float noise) {
        List<float[]> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] x = new float[DIM];
            List<Float> v = new ArrayList<>(DIM);
            for (int d = 0; d < DIM; d++) {
                x[d] = mean[d] + noise * (float) random.nextGaussian();
                v.add(x[d]);
            }
            sent.add(x);
            Instant time = T0.plusMillis(w * WINDOW + 100 + i);
            embeddings.pipeInput(
                    "img-" + ids++,
                    EmbeddingRecord.newBuilder()
                            .setImageId("img-" + ids)
                            .setModelName("run")
                            .setModelVersion(version)
                            .setInstance(v)
                            .setSource(source)
                            .setEventTime(time)
                            .setProcessingTime(time)
                            .build(),
                    time);
        }
        return sent;
    }

    /** The mean of the vectors scaled to unit length: the direction a window's centroid points in. */
    private static double[] meanDirection(List<float[]> vectors) {
        double[] mean = new double[DIM];
        for (float[] v : vectors) {
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < DIM; d++) {
                mean[d] += v[d] / norm / vectors.size();
            }
        }
        return mean;
    }

    private static double cosineDistance(double[] a, double[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int d = 0; d < DIM; d++) {
            dot += a[d] * b[d];
            aa += a[d] * a[d];
            bb += b[d] * b[d];
        }
        return 1 - dot / Math.sqrt(aa * bb);
    }

    /** A record far enough ahead to close every window before window {@code w}; its own window stays open. */
    private void closeWindowsBefore(int w) {
        Instant time = T0.plusMillis(w * WINDOW + 1);
        embeddings.pipeInput(
                "clock",
                EmbeddingRecord.newBuilder()
                        .setImageId("clock")
                        .setModelName("run")
                        .setModelVersion(1)
                        .setInstance(List.of(1f))
                        .setSource("clock")
                        .setEventTime(time)
                        .setProcessingTime(time)
                        .build(),
                time);
    }

    /** A random unit direction scaled so that the mean dominates unit-variance noise per dimension at 0.5. */
    private float[] direction(long seed) {
        Random r = new Random(seed);
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = (float) r.nextGaussian();
        }
        return v;
    }

    private static TrainingMetrics metric(long time, double loss, long lag, long version) {
        return TrainingMetrics.newBuilder()
                .setModelName("run")
                .setStep(time / 1000)
                .setTime(Instant.ofEpochMilli(time))
                .setLoss(loss)
                .setLearningRate(1e-4)
                .setMomentum(0.99)
                .setImagesConsumedPerSec(100)
                .setImagesTrainedPerSec(90)
                .setReplayFill(10)
                .setReplayCapacity(100)
                .setReplayReuse(1)
                .setSkippedSteps(0)
                .setEmbeddingStd(0.1)
                .setConsumerLag(lag)
                .setModelVersion(version)
                .build();
    }
}
