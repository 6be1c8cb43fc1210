package io.extrema.serving.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.MonitorRecord;
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
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor topology, which sums observations per pane before the repartition, against the per-record
 * aggregation it replaced (each observation repartitioned and added to every window it falls in): the same input
 * on two TopologyTestDrivers must give the same {@link MonitorRecord}s, window by window.
 */
@ExtendWith(LocalStackExtension.class)
class WindowPartialsTest {
    static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    static final int DIM = 8;

    @TempDir
    Path stateDir;

    private final StackEndpoints stack;
    private final List<Side> sides = new ArrayList<>();
    private final Random random = new Random(11);
    private int ids;

    WindowPartialsTest(StackEndpoints stack) {
        this.stack = stack;
    }

    @AfterEach
    void stop() {
        sides.forEach(s -> s.driver.close());
    }

    @Test
    void interleavedSourcesAndDeadLettersOverHoppingWindows() {
        start(10_000, 4_000, 0); // panes of 2 s, each in up to 3 windows (the first windows start at the epoch)
        for (int i = 0; i < 300; i++) {
            long t = T0 + i * 130L;
            if (i % 9 == 4) {
                deadLetter("cam-" + i % 3, t);
            } else {
                embedding("cam-" + i % 3, "run", 1, DIM, t);
            }
        }
        closeAll(T0 + 300 * 130L);
        assertSameWindows();
    }

    @Test
    void outOfOrderAndLateRecordsWithinAndPastTheGrace() {
        start(10_000, 0, 3_000);
        long dropped = 0;
        long streamTime = 0;
        for (int i = 0; i < 200; i++) {
            // Mostly in order, every fifth record up to 8 s behind: within the grace some, past it others.
            long t = T0 + i * 200L - (i % 5 == 0 ? random.nextInt(8_000) : 0);
            streamTime = Math.max(streamTime, t);
            if ((t / 10_000 + 1) * 10_000 + 3_000 <= streamTime) {
                dropped++;
            }
            embedding(i % 4 == 0 ? "cam-b" : "cam-a", "run", 1, DIM, t);
        }
        closeAll(T0 + 200 * 200L);
        assertTrue(dropped > 0, "some records past the grace");
        assertSameWindows();
    }

    @Test
    void aSourceSilentInItsPaneStillCountsWhenAnotherClosesTheWindow() {
        start(10_000, 0, 0);
        embedding("quiet", "run", 1, DIM, T0 + 9_000);
        embedding("busy", "run", 1, DIM, T0 + 9_500);
        embedding("busy", "run", 1, DIM, T0 + 15_000); // closes [0, 10 s) while "quiet" still holds its pane
        embedding("busy", "run", 1, DIM, T0 + 25_000);
        deadLetter("quiet", T0 + 26_000);
        closeAll(T0 + 30_000);
        List<MonitorRecord> windows = assertSameWindows();
        MonitorRecord quiet = windows.stream()
                .filter(w -> w.getSource().equals("quiet") && w.getCount() == 1)
                .findFirst()
                .orElseThrow(() -> new AssertionError("quiet's first window: " + windows));
        assertEquals(T0, quiet.getWindowStart().toEpochMilli());
    }

    @Test
    void modelVersionAndDimensionChangesMidWindowFoldInArrivalOrder() {
        start(10_000, 5_000, 2_000);
        long t = T0 + 1_000;
        for (int i = 0; i < 10; i++) {
            embedding("cam", "run", 1, DIM, t += 100);
        }
        for (int i = 0; i < 10; i++) {
            embedding("cam", "run", 2, DIM, t += 100);
        }
        embedding("cam", "run", 1, DIM, t += 100); // an older version after the newer: counted, not in the centroid
        embedding("cam", "run", 1, DIM, t - 4_000); // the same, out of order into an earlier pane
        embedding("cam", "next", 2, DIM, t += 100); // another model name
        embedding("cam", "next", 2, 4, t += 100); // another dimension under the same version restarts the sums
        embedding("cam", "next", 2, DIM, t += 100); // and back
        embedding("cam", "next", 2, DIM, t += 100);
        embedding("cam", "next", 3, 4, t += 5_000); // a newer version in the next pane
        embedding("cam", "next", 2, DIM, t += 100);
        closeAll(t + 20_000);
        List<MonitorRecord> windows = assertSameWindows();
        assertTrue(windows.stream().anyMatch(w -> w.getModelVersions().size() > 1), windows.toString());
    }

    @Test
    void deadLettersKeepTheirShareIncludingSourcesWithNothingElse() {
        start(10_000, 0, 5_000);
        for (int i = 0; i < 40; i++) {
            long t = T0 + i * 500L;
            embedding("cam", "run", 1, DIM, t);
            if (i % 4 == 0) {
                deadLetter("cam", t + 10);
                deadLetter("broken-camera", t + 20);
                deadLetter(null, t - 3_000); // no source header: counted under "unknown", and late
            }
        }
        closeAll(T0 + 40 * 500L);
        List<MonitorRecord> windows = assertSameWindows();
        assertTrue(windows.stream().anyMatch(w -> w.getSource().equals(DeadLetterSource.UNKNOWN)));
        assertTrue(
                windows.stream().anyMatch(w -> w.getSource().equals("broken-camera") && w.getDeadLetterShare() == 1.0));
    }

    @Test
    void randomStreamsGiveTheSameWindowsAsThePerRecordAggregation() {
        long[][] windowings = {{10_000, 0, 0}, {10_000, 4_000, 0}, {9_000, 3_000, 2_500}, {6_000, 0, 7_000}};
        for (long[] w : windowings) {
            start(w[0], w[1], w[2]);
            Map<String, Long> versions = new HashMap<>();
            long t = T0;
            for (int i = 0; i < 300; i++) {
                t += random.nextInt(400);
                // A rare source, and a skewed busy one: a pane of the rare one stays open while others move on.
                String source = random.nextInt(20) == 0 ? "rare" : "cam-" + Math.min(random.nextInt(4), 2);
                long version = versions.merge(source, random.nextInt(60) == 0 ? 1L : 0L, Long::sum) + 1;
                long at = random.nextInt(6) == 0 ? t - random.nextInt(12_000) : t;
                if (random.nextInt(8) == 0) {
                    deadLetter(source, at);
                } else {
                    embedding(
                            source,
                            random.nextInt(30) == 0 ? "other" : "run",
                            random.nextInt(25) == 0 ? version - 1 : version,
                            random.nextInt(40) == 0 ? 4 : DIM,
                            at);
                }
                if (random.nextInt(50) == 0) {
                    // Wall-clock time passes without input: the held partials are sent on and a commit asked for,
                    // which must not change what is counted.
                    sides.forEach(s -> s.driver.advanceWallClockTime(WindowPartials.IDLE));
                }
            }
            closeAll(t);
            assertSameWindows();
            stop();
            sides.clear();
        }
    }

    // --- the two topologies ---

    /** The aggregation before the partials: every observation repartitioned, added to each of its windows. */
    private static Topology perRecord(MonitorConfig config, MonitorSerdes serdes) {
        StreamsBuilder builder = new StreamsBuilder();
        MonitorMeters meters = new MonitorMeters();
        KTable<Windowed<String>, WindowStats> sums = MonitorTopology.observations(builder, config, serdes, meters)
                .groupByKey(Grouped.with("by-source", Serdes.String(), OBSERVATIONS))
                .windowedBy(MonitorTopology.windows(config))
                .aggregate(
                        WindowStats::new,
                        (source, o, stats) -> stats.add(o),
                        Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as("monitor-window-sums")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(WindowStats.SERDE));
        MonitorTopology.closedWindows(builder, sums, config, meters)
                .to(config.getString(MonitorConfig.MONITOR_TOPIC), Produced.with(Serdes.String(), serdes.monitor()));
        return builder.build();
    }

    /** The per-record aggregation's repartition serde: 4 bytes per dimension, no vector for a dead letter. */
    private static final Serde<Observation> OBSERVATIONS = Serdes.serdeFrom(
            (topic, o) -> {
                byte[] source = o.source().getBytes(StandardCharsets.UTF_8);
                byte[] model = o.modelName().getBytes(StandardCharsets.UTF_8);
                int dim = o.isDeadLetter() ? -1 : o.vector().length;
                ByteBuffer b = ByteBuffer.allocate(4 + source.length + 4 + model.length + 8 + 4 + 4 * Math.max(dim, 0));
                b.putInt(source.length).put(source).putInt(model.length).put(model);
                b.putLong(o.modelVersion()).putInt(dim);
                if (dim > 0) {
                    b.asFloatBuffer().put(o.vector());
                }
                return b.array();
            },
            (topic, bytes) -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                byte[] source = new byte[b.getInt()];
                b.get(source);
                byte[] model = new byte[b.getInt()];
                b.get(model);
                long version = b.getLong();
                int dim = b.getInt();
                float[] vector = dim < 0 ? null : new float[dim];
                if (vector != null) {
                    b.asFloatBuffer().get(vector);
                }
                return new Observation(
                        new String(source, StandardCharsets.UTF_8),
                        new String(model, StandardCharsets.UTF_8),
                        version,
                        vector);
            });

    /** One topology on its driver, with its input and output topics. */
    private record Side(
            TopologyTestDriver driver,
            TestInputTopic<String, EmbeddingRecord> embeddings,
            TestInputTopic<byte[], DeadLetter> deadLetters,
            TestOutputTopic<String, MonitorRecord> monitor) {}

    private void start(long size, long advance, long grace) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(MonitorConfig.WINDOW_SIZE_MS, size);
        settings.put(MonitorConfig.WINDOW_ADVANCE_MS, advance);
        settings.put(MonitorConfig.WINDOW_GRACE_MS, grace);
        settings.put(MonitorConfig.BASELINE_WINDOWS, 2);
        MonitorConfig config = new MonitorConfig(settings);
        MonitorSerdes serdes = MonitorSerdes.of(Map.of("schema.registry.url", stack.registryUrl()));
        for (Topology topology :
                List.of(perRecord(config, serdes), MonitorTopology.build(config, serdes, new MonitorMeters()))) {
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "partials-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(
                    StreamsConfig.STATE_DIR_CONFIG,
                    stateDir.resolve(String.valueOf(ids++)).toString());
            props.put(
                    StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG,
                    BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
            TopologyTestDriver driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(T0));
            sides.add(new Side(
                    driver,
                    driver.createInputTopic(
                            config.getString(MonitorConfig.EMBEDDINGS_TOPIC),
                            Serdes.String().serializer(),
                            serdes.embeddings().serializer()),
                    driver.createInputTopic(
                            config.getString(MonitorConfig.DLQ_TOPIC),
                            Serdes.ByteArray().serializer(),
                            serdes.deadLetters().serializer()),
                    driver.createOutputTopic(
                            config.getString(MonitorConfig.MONITOR_TOPIC),
                            Serdes.String().deserializer(),
                            serdes.monitor().deserializer())));
        }
    }

    // --- input, the same on both sides ---

    private void embedding(String source, String model, long version, int dim, long time) {
        List<Float> v = new ArrayList<>(dim);
        for (int d = 0; d < dim; d++) {
            v.add((float) (random.nextGaussian() + (d == 0 ? 3 : 0)));
        }
        String id = "img-" + ids++;
        EmbeddingRecord e = EmbeddingRecord.newBuilder()
                .setImageId(id)
                .setModelName(model)
                .setModelVersion(version)
                .setInstance(v)
                .setSource(source)
                .setEventTime(Instant.ofEpochMilli(time))
                .setProcessingTime(Instant.ofEpochMilli(time))
                .build();
        sides.forEach(s -> s.embeddings.pipeInput(id, e, time));
    }

    /** A serving dead letter; without a source header (null) it counts under "unknown". */
    private void deadLetter(String source, long time) {
        Map<String, ByteBuffer> headers =
                source == null ? Map.of() : Map.of("source", ByteBuffer.wrap(source.getBytes(StandardCharsets.UTF_8)));
        DeadLetter letter = DeadLetters.of(
                "serving", "extrema.images", 0, (long) ids++, null, new byte[] {1}, headers, "corrupt JPEG", null);
        sides.forEach(s -> s.deadLetters.pipeInput(null, letter, time));
    }

    /** A record of its own source far enough ahead of {@code time} to close every window before it. */
    private void closeAll(long time) {
        embedding("clock", "run", 1, DIM, time + 60_000);
    }

    // --- the comparison ---

    /** Asserts both sides emitted the same windows, per source in the same order; returns them. */
    private List<MonitorRecord> assertSameWindows() {
        List<MonitorRecord> expected = sides.get(0).monitor.readValuesToList();
        List<MonitorRecord> actual = sides.get(1).monitor.readValuesToList();
        assertFalse(expected.isEmpty(), "the per-record aggregation emitted windows");
        Map<String, List<MonitorRecord>> want = bySource(expected);
        Map<String, List<MonitorRecord>> got = bySource(actual);
        assertEquals(want.keySet(), got.keySet(), "sources");
        want.forEach((source, windows) -> {
            List<MonitorRecord> of = got.get(source);
            assertEquals(windows.size(), of.size(), "windows of " + source + ": " + windows + " vs " + of);
            for (int i = 0; i < windows.size(); i++) {
                assertSameWindow(windows.get(i), of.get(i));
            }
        });
        return actual;
    }

    private static Map<String, List<MonitorRecord>> bySource(List<MonitorRecord> windows) {
        Map<String, List<MonitorRecord>> by = new TreeMap<>();
        windows.forEach(
                w -> by.computeIfAbsent(w.getSource(), s -> new ArrayList<>()).add(w));
        return by;
    }

    private static void assertSameWindow(MonitorRecord want, MonitorRecord got) {
        String what = want + " vs " + got;
        assertEquals(want.getWindowStart(), got.getWindowStart(), what);
        assertEquals(want.getWindowEnd(), got.getWindowEnd(), what);
        assertEquals(want.getModelName(), got.getModelName(), what);
        assertEquals(want.getModelVersions(), got.getModelVersions(), what);
        assertEquals(want.getModelVersion(), got.getModelVersion(), what);
        assertEquals(want.getCount(), got.getCount(), what);
        assertEquals(want.getDimension(), got.getDimension(), what);
        assertEquals(want.getDeadLetters(), got.getDeadLetters(), what);
        // Sums added in another grouping differ in the last bits only.
        assertEquals(want.getMeanNorm(), got.getMeanNorm(), 1e-9, what);
        assertEquals(want.getSpread(), got.getSpread(), 1e-9, what);
        assertEquals(want.getDeadLetterShare(), got.getDeadLetterShare(), 1e-12, what);
        assertClose(want.getDriftPrevious(), got.getDriftPrevious(), what);
        assertClose(want.getDriftBaseline(), got.getDriftBaseline(), what);
    }

    private static void assertClose(Double want, Double got, String what) {
        assertEquals(want == null, got == null, what);
        if (want != null) {
            assertEquals(want, got, 1e-9, what);
        }
    }
}
