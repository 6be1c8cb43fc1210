package io.extrema.trainer.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.extrema.model.Checkpoint;
import io.extrema.model.Embedder;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.FloatEmbeddings;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionAssembler;
import io.extrema.schemas.models.ModelVersionCodec;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import io.extrema.trainer.StreamingTrainer;
import io.extrema.trainer.checkpoint.CheckpointStore;
import io.extrema.trainer.checkpoint.TrainerState;
import io.extrema.trainer.config.TrainerConfig;
import io.extrema.trainer.offsets.PartitionPosition;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The trainer end to end against the real broker and registry, real libtorch and real JPEGs. */
@ExtendWith(LocalStackExtension.class)
class StreamingTrainerTest {
    private static final int PROBE_CLASSES = 4;
    private static final int PROBE_IMAGES_PER_CLASS = 10;
    /** Every other probe image is a query, the rest the k-NN bank. */
    private static final int PROBE_QUERIES = PROBE_CLASSES * PROBE_IMAGES_PER_CLASS / 2;

    private static final int PROBE_EVERY = 20;

    @Test
    void trainsFromTheTopicPublishesVerifiedVersionsAndMetricsAndDeadLettersBadRecords(
            StackEndpoints stack, @TempDir Path dir) throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 2);
        List<ImageRecord> good = TrainerFixture.goodImages(320, "img-");
        f.produce(good.subList(0, 160));
        // Bad records in the middle of the stream: training must go on past them.
        byte[] oversized = TestImages.jpeg(1, 1, 256);
        f.produce(List.of(
                TrainerFixture.record("bad-corrupt", TestImages.corrupt(), 32, null),
                TrainerFixture.record("bad-truncated", TestImages.truncated(), 32, null),
                TrainerFixture.record("bad-empty", new byte[0], 32, null),
                TrainerFixture.record("bad-oversized", oversized, 256, null)));
        byte[] notAvro = "not an image record".getBytes();
        f.produceRaw(f.images, "bad-raw".getBytes(), notAvro);
        f.produce(good.subList(160, 320));

        Map<String, String> s = f.settings(dir.resolve("checkpoints"));
        s.put("max.steps", "40");
        s.put("version.interval.steps", "15");
        s.put("version.keep", "2");
        s.put("replay.factor", "4");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        s.put("prometheus.port", String.valueOf(port));
        s.put("probe.dir", probeSet(dir.resolve("probe")).toString());
        s.put("probe.interval.steps", String.valueOf(PROBE_EVERY));
        StreamingTrainer trainer = new StreamingTrainer(new TrainerConfig(s));
        AtomicReference<String> scraped = new AtomicReference<>();
        AtomicInteger announced = new AtomicInteger();
        CompletableFuture<Void> scraper = CompletableFuture.runAsync(() -> {
            announced.set(awaitPort(trainer));
            scrapeUntilTrained(port, scraped);
        });
        trainer.run();
        scraper.get(30, TimeUnit.SECONDS);
        assertEquals(port, announced.get(), "a caller that asked before the endpoint opened is given its port");

        // Metrics: every 5 steps, finite loss that falls.
        List<TrainingMetrics> metrics = values(f.readAll(f.metrics, TrainingMetrics.class));
        assertTrue(metrics.size() >= 8, "metrics records: " + metrics.size());
        TrainingMetrics first = metrics.get(0);
        TrainingMetrics last = metrics.get(metrics.size() - 1);
        assertEquals(40, last.getStep());
        for (TrainingMetrics m : metrics) {
            assertTrue(Double.isFinite(m.getLoss()), "loss at step " + m.getStep() + " is " + m.getLoss());
            assertEquals(0, m.getOverflowSteps(), "fp32 gradients are not scaled, so do not overflow");
            assertNull(m.getLossScale(), "no loss scale in fp32");
        }
        assertTrue(last.getLoss() < first.getLoss(), "loss " + first.getLoss() + " -> " + last.getLoss());
        assertTrue(last.getReplayFill() > 0 && last.getReplayCapacity() == 256);
        assertTrue(metrics.stream().anyMatch(m -> m.getReplayReuse() > 0), "images are reused");
        assertTrue(last.getEmbeddingStd() > 0);
        assertEquals(5.0, last.getExtra().get("deadLettered"));
        assertTrue(last.getExtra().get("rssBytes") > 0);
        // The probe runs before the first step (the network training starts from), then at steps 20 and 40; the
        // metrics in between carry the latest figure. It is k-NN accuracy over the probe set's queries, so a whole
        // number of them. Its classes differ in colour, which every random init of this network tells apart (20 of
        // 20 queries on 30 seeds, and still 20 after these 40 steps): at chance (1/4, what collapsed features give)
        // the probe or the features are broken.
        Map<Long, Double> probeOfPeriod = new HashMap<>(); // 0: the step-0 probe, 1: step 20's, 2: step 40's
        for (TrainingMetrics m : metrics) {
            Double probe = m.getProbeAccuracy();
            assertNotNull(probe, "probe accuracy at step " + m.getStep() + " (the first probe is at step 0)");
            double correct = probe * PROBE_QUERIES;
            assertEquals(Math.rint(correct), correct, 1e-9, "a whole number of queries right: " + probe);
            assertTrue(
                    probe > 1.0 / PROBE_CLASSES && probe <= 1,
                    "probe accuracy " + probe + " at step " + m.getStep() + ", chance is " + 1.0 / PROBE_CLASSES);
            Double period = probeOfPeriod.putIfAbsent(m.getStep() / PROBE_EVERY, probe);
            if (period != null) {
                assertEquals(period, probe, "one probe figure until the next probe, at step " + m.getStep());
            }
        }
        assertNotNull(last.getProbeAccuracy(), "the step-40 probe is published");
        assertTrue(
                scraped.get() != null && scraped.get().contains("extrema_trainer_step "),
                "Prometheus: " + scraped.get());

        // Dead letters: the five bad records with their reasons and original bytes.
        Map<String, DeadLetter> dead = new HashMap<>();
        for (ConsumerRecord<byte[], DeadLetter> r : f.readAll(f.dlq, DeadLetter.class)) {
            dead.put(new String(r.key()), r.value());
        }
        assertEquals(
                List.of("bad-corrupt", "bad-empty", "bad-oversized", "bad-raw", "bad-truncated"),
                dead.keySet().stream().sorted().toList());
        assertTrue(
                dead.get("bad-empty").getReason().contains("EMPTY"),
                dead.get("bad-empty").getReason());
        assertTrue(
                dead.get("bad-truncated").getReason().contains("TRUNCATED")
                        || dead.get("bad-truncated").getReason().contains("CORRUPT"),
                dead.get("bad-truncated").getReason());
        assertTrue(
                dead.get("bad-corrupt").getReason().contains("CORRUPT"),
                dead.get("bad-corrupt").getReason());
        assertTrue(
                dead.get("bad-oversized").getReason().contains("TOO_WIDE"),
                dead.get("bad-oversized").getReason());
        assertTrue(
                dead.get("bad-raw").getReason().toLowerCase().contains("magic"),
                dead.get("bad-raw").getReason());
        assertArrayEquals(notAvro, bytes(dead.get("bad-raw").getValue()));
        assertEquals("trainer", dead.get("bad-raw").getStage());
        assertEquals(f.images, dead.get("bad-raw").getTopic());

        // Model versions: published at steps 15 and 30, reassembled and verified, and loadable by serving.
        List<ModelVersion> verified = versions(f, "test-model");
        assertEquals(
                List.of(1L, 2L), verified.stream().map(ModelVersion::version).toList());
        assertEquals(
                List.of(15L, 30L), verified.stream().map(ModelVersion::step).toList());
        ModelVersion v2 = verified.get(1);
        ExtremaConfig cfg = ExtremaConfig.fromMap(v2.config());
        assertEquals(32, cfg.dim());
        assertTrue(v2.metrics().containsKey("loss"));
        try (Embedder embedder = Embedder.load(cfg, v2.weights())) {
            FloatEmbeddings e = embedder.embed(new float[2 * 3 * 32 * 32], 2);
            assertEquals(32, e.instance()[0].length);
        }

        // A checkpoint at the last step, with offsets, and the group's commit equal to them.
        TrainerState state = new CheckpointStore(dir.resolve("checkpoints"), 2)
                .latest()
                .orElseThrow()
                .state();
        assertEquals(40, state.step());
        Map<TopicPartition, Long> committed = f.committed();
        state.offsets().forEach((tp, p) -> assertEquals(p.next(), committed.get(tp), "committed offset of " + tp));
    }

    @Test
    void sigtermCheckpointsAndCommitsAndARestartResumesFromTheCheckpoint(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 2);
        f.produce(TrainerFixture.goodImages(320, "img-"));
        Path checkpoints = dir.resolve("checkpoints");
        Map<String, String> s = f.settings(checkpoints);
        s.put("replay.factor", "1000"); // keeps training on the buffer until stopped
        s.put("checkpoint.interval.steps", "1000"); // so the checkpoint we see is the shutdown one
        Process child = TrainerFixture.startChild(s, dir.resolve("trainer-1.log"));
        try {
            waitForStep(f, 25, child, dir.resolve("trainer-1.log"));
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(90, TimeUnit.SECONDS), "trainer stops on SIGTERM");
        } finally {
            child.destroyForcibly();
        }
        TrainerState stopped =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        assertTrue(stopped.step() >= 25, "shutdown checkpoint at step " + stopped.step());
        Map<TopicPartition, Long> committed = f.committed();
        assertFalse(stopped.offsets().isEmpty());
        stopped.offsets().forEach((tp, p) -> assertEquals(p.next(), committed.get(tp), "committed offset of " + tp));
        List<TrainingMetrics> before = values(f.readAll(f.metrics, TrainingMetrics.class));

        // Restart: the step and the loss curve continue, and only records the checkpoint does not reflect are read.
        // New images arrive meanwhile: a fast run may have reflected all 320 before the stop, and a restart that
        // reads nothing would wait for images for ever.
        f.produce(TrainerFixture.goodImages(64, "img-after-stop-"));
        s.put("max.steps", String.valueOf(stopped.step() + 10));
        new StreamingTrainer(new TrainerConfig(s)).run();
        List<TrainingMetrics> all = values(f.readAll(f.metrics, TrainingMetrics.class));
        List<TrainingMetrics> after = all.subList(before.size(), all.size());
        assertFalse(after.isEmpty());
        assertTrue(
                after.get(0).getStep() > stopped.step(),
                "first step after restart " + after.get(0).getStep());
        assertEquals(stopped.step() + 10, after.get(after.size() - 1).getStep());
        double initialLoss = before.get(0).getLoss();
        double lossBeforeStop = before.get(before.size() - 1).getLoss();
        double lossAfterRestart = after.get(0).getLoss();
        assertTrue(
                lossAfterRestart < initialLoss
                        && Math.abs(lossAfterRestart - lossBeforeStop) < Math.abs(initialLoss - lossBeforeStop),
                "loss curve: start " + initialLoss + ", at stop " + lossBeforeStop + ", after restart "
                        + lossAfterRestart);
        // Read again: the reflected records above next, and below it each partition's share of the replay
        // capacity (256 over 2), which refill the buffer.
        long reflectedReadAgain = 0;
        for (PartitionPosition p : stopped.offsets().values()) {
            reflectedReadAgain += p.highestSeen() + 1 - p.next() - p.pending().length;
            reflectedReadAgain += p.next() - Math.max(0, p.next() - 128);
        }
        TrainingMetrics lastAfter = after.get(after.size() - 1);
        assertEquals(
                (double) reflectedReadAgain,
                lastAfter.getExtra().get("skippedReflected"),
                "records the checkpoint reflects are not trained again as new, and no others are skipped");
        assertTrue(lastAfter.getExtra().get("replayRefilled") > 0, "the buffer was refilled: " + lastAfter);
    }

    @Test
    void aRestartOnAQuietStreamRefillsTheBufferFromTheTopicAndTrainsAtOnce(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 2);
        f.produce(TrainerFixture.goodImages(200, "img-"));
        Path checkpoints = dir.resolve("checkpoints");
        Map<String, String> s = f.settings(checkpoints);
        s.put("replay.factor", "1000");
        s.put("metrics.interval.steps", "1");
        // Train until every image is read and drawn at least once: then nothing is pending, and a restart that
        // only read what the checkpoint does not reflect would find nothing to train on.
        trainUntil(
                f,
                s,
                0,
                m -> m.get("recordsConsumed") == 200 && m.get("recordsPending") == 0,
                "every image read and drawn");
        TrainerState stopped =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        Map<TopicPartition, Long> end = f.endOffsets(f.images);
        stopped.offsets().forEach((tp, p) -> {
            assertEquals(end.get(tp), p.next(), "everything reflected on " + tp);
            assertEquals(0, p.pending().length);
        });
        assertTrue(stopped.replayCredit() > 1000, "credit left: " + stopped.replayCredit());

        // No image arrives. The restart must train at once, on the 200 images read back from the topic.
        int metricsBefore = f.readAll(f.metrics, TrainingMetrics.class).size();
        s.put("max.steps", String.valueOf(stopped.step() + 10));
        CompletableFuture<Void> restart = runAsync(new StreamingTrainer(new TrainerConfig(s)));
        restart.get(90, TimeUnit.SECONDS);
        List<TrainingMetrics> all = values(f.readAll(f.metrics, TrainingMetrics.class));
        TrainingMetrics last = all.get(all.size() - 1);
        assertTrue(all.size() > metricsBefore);
        assertEquals(stopped.step() + 10, last.getStep());
        assertEquals(200.0, last.getExtra().get("replayRefilled"), "every retained image back in the buffer");
        assertEquals(200.0, last.getExtra().get("skippedReflected"), "and none of them trained as new");
        assertEquals(0.0, last.getExtra().get("recordsConsumed"), "no record counted as arriving");
        assertEquals(200, last.getReplayFill());

        TrainerState done =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        assertEquals(stopped.imagesTrained() + 10 * 16, done.imagesTrained());
        assertEquals(stopped.offsets(), done.offsets(), "refilled images move no offset");
        assertEquals(stopped.replayCredit() - 10 * 16, done.replayCredit(), 1e-9, "they grant no credit either");
        Map<TopicPartition, Long> committed = f.committed();
        done.offsets().forEach((tp, p) -> assertEquals(p.next(), committed.get(tp)));
    }

    @Test
    void killMinusNineThenRestartLosesNoImageAndCountsNoneTwice(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 2);
        List<ImageRecord> images = TrainerFixture.goodImages(320, "img-");
        f.produce(images.subList(0, 160));
        Path checkpoints = dir.resolve("checkpoints");
        Map<String, String> s = f.settings(checkpoints);
        // Fresh-only: every image is trained exactly once, so the count of trained images proves the accounting.
        s.put("replay.policy", "fresh");
        s.put("checkpoint.interval.steps", "4");
        // The killed consumer stays in the group until its session expires; keep that short (the broker minimum).
        s.put("kafka.session.timeout.ms", "6000");
        Process child = TrainerFixture.startChild(s, dir.resolve("trainer-1.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            CheckpointStore store = new CheckpointStore(checkpoints, 2);
            while (store.latest().map(c -> c.state().step()).orElse(0L) < 8) {
                assertTrue(child.isAlive(), () -> "trainer exited: " + log(dir.resolve("trainer-1.log")));
                assertTrue(System.nanoTime() < deadline, "no checkpoint at step 8 in time");
                Thread.sleep(20);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no hook, no final checkpoint, no commit
            child.waitFor(30, TimeUnit.SECONDS);
        }
        TrainerState killed =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        assertTrue(killed.step() >= 8 && killed.step() < 20, "checkpoint at " + killed.step());
        assertTrue(killed.imagesTrained() >= 128 && killed.imagesTrained() < 160, "trained " + killed.imagesTrained());

        // The rest of the stream arrives; the restarted trainer must train every image exactly once overall.
        f.produce(images.subList(160, 320));
        s.put("metrics.interval.steps", "1");
        int metricsBefore = f.readAll(f.metrics, TrainingMetrics.class).size();
        trainUntil(
                f,
                s,
                metricsBefore,
                m -> m.get("imagesTrained") >= 320 && m.get("recordsPending") == 0,
                "every image trained");
        TrainerState done =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        assertEquals(320, done.imagesTrained(), "every image once: none lost, none counted twice");
        Map<TopicPartition, Long> end = f.endOffsets(f.images);
        Map<TopicPartition, Long> committed = f.committed();
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            PartitionPosition p = done.offsets().get(e.getKey());
            assertEquals(e.getValue(), p.next(), "every record of " + e.getKey() + " is reflected");
            assertEquals(0, p.pending().length);
            assertEquals(e.getValue(), committed.get(e.getKey()));
        }
    }

    @Test
    void aRestartResumesAtTheCheckpointsOffsetsNotAtTheGroupsCommittedOnes(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 2);
        f.produce(TrainerFixture.goodImages(160, "img-"));
        Path checkpoints = dir.resolve("checkpoints");
        Map<String, String> s = f.settings(checkpoints);
        // Fresh-only: every image is trained exactly once, so the count of trained images proves the accounting.
        s.put("replay.policy", "fresh");
        // 10 batches of 16: every image, so the checkpoint's offsets are the ends of the partitions.
        s.put("max.steps", "10");
        new StreamingTrainer(new TrainerConfig(s)).run();
        TrainerState checkpoint =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        assertEquals(10, checkpoint.step());
        assertEquals(2, checkpoint.offsets().size(), "both partitions read: " + checkpoint.offsets());

        // More images arrive; then the group's offsets are moved away from the checkpoint's: one partition ahead
        // (its records in between would never be trained), the other behind (reflected records read again).
        f.produce(TrainerFixture.goodImages(160, "img-later-"));
        Map<TopicPartition, Long> end = f.endOffsets(f.images);
        // Behind on the partition the checkpoint is further into, so there is room below its offset.
        List<TopicPartition> parts = checkpoint.offsets().keySet().stream()
                .sorted(Comparator.comparingLong(
                        tp -> checkpoint.offsets().get(tp).next()))
                .toList();
        TopicPartition ahead = parts.get(0);
        TopicPartition behind = parts.get(1);
        long aheadNext = checkpoint.offsets().get(ahead).next();
        long behindNext = checkpoint.offsets().get(behind).next();
        int moved = 20;
        assertTrue(
                end.get(ahead) >= aheadNext + moved && behindNext >= moved,
                "room to move the offsets: checkpoint " + checkpoint.offsets() + ", end " + end);
        f.commit(Map.of(ahead, aheadNext + moved, behind, behindNext - moved));
        assertEquals(Map.of(ahead, aheadNext + moved, behind, behindNext - moved), f.committed());

        // The restart must read from the checkpoint's offsets: every image trained once in all, and no record
        // read again but those the checkpoint reflects above its offsets (none, unless records were pending).
        s.put("max.steps", "0");
        s.put("metrics.interval.steps", "1");
        int metricsBefore = f.readAll(f.metrics, TrainingMetrics.class).size();
        StreamingTrainer restarted = new StreamingTrainer(new TrainerConfig(s));
        CompletableFuture<Void> run = runAsync(restarted);
        TrainingMetrics latest = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (latest == null
                    || latest.getExtra().get("imagesTrained") < 320
                    || latest.getExtra().get("recordsPending") > 0) {
                assertFalse(run.isDone(), "trainer stopped early");
                if (System.nanoTime() > deadline) {
                    break; // records skipped by a seek to the group's offset are never trained: the counts say so
                }
                Thread.sleep(200);
                List<TrainingMetrics> m = values(f.readAll(f.metrics, TrainingMetrics.class));
                latest = m.size() > metricsBefore ? m.get(m.size() - 1) : null;
            }
        } finally {
            restarted.stop();
            run.get(60, TimeUnit.SECONDS);
        }
        TrainerState done =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        assertEquals(320, done.imagesTrained(), "every image once: none skipped, none trained twice");
        long reflectedAboveNext = 0;
        for (PartitionPosition p : checkpoint.offsets().values()) {
            reflectedAboveNext += p.highestSeen() + 1 - p.next() - p.pending().length;
        }
        List<TrainingMetrics> all = values(f.readAll(f.metrics, TrainingMetrics.class));
        assertEquals(
                (double) reflectedAboveNext,
                all.get(all.size() - 1).getExtra().get("skippedReflected"),
                "records read again after the restart: only those the checkpoint reflects above its offsets, not the "
                        + moved + " below them that the group's offset points at");
        Map<TopicPartition, Long> committed = f.committed();
        for (TopicPartition tp : parts) {
            assertEquals(end.get(tp), done.offsets().get(tp).next(), "every record of " + tp + " is reflected");
            assertEquals(end.get(tp), committed.get(tp), "committed offset of " + tp);
        }
    }

    @Test
    void aNewLineageWarmStartsFromAnotherOnesCheckpointOrVersionAndARestartResumesInstead(
            StackEndpoints stack, @TempDir Path dir) throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 1);
        f.produce(TrainerFixture.goodImages(160, "img-"));
        // Lineage A trains 30 steps from a random network and publishes its version 1 at the last.
        Path checkpointsA = dir.resolve("a");
        Map<String, String> a = trainedThirtySteps(f, checkpointsA);
        Path fileA = new CheckpointStore(checkpointsA, 2).latest().orElseThrow().modelFile();
        ExtremaConfig config = new TrainerConfig(a).modelConfig();
        float[] images = seededImages();
        float[][] embeddedByA;
        try (ExtremaTrainer trained = Checkpoint.load(fileA, config, Device.cpu());
                Embedder target = trained.model().embedder(true)) {
            embeddedByA = target.embed(images, 8).instance();
        }
        double trainedAway = distance(embedFresh(config, images), embeddedByA);

        // B: a lineage of its own (name, group, checkpoints) warm-started from A's checkpoint directory; it publishes
        // the network it starts from at once (version 1 at step 0: A's network), then one version per step.
        Path checkpointsB = dir.resolve("b");
        Map<String, String> b = lineage(f, "b", checkpointsB, checkpointsA.toString());
        b.put("max.steps", "2");
        new StreamingTrainer(new TrainerConfig(b)).run();
        List<ModelVersion> firstRun = versions(f, "test-model-b");
        assertEquals(
                List.of(0L, 1L, 2L), firstRun.stream().map(ModelVersion::step).toList(), "B counts from step 0");
        assertEquals(
                List.of(1L, 2L, 3L),
                firstRun.stream().map(ModelVersion::version).toList());
        assertEquals(
                2,
                new CheckpointStore(checkpointsB, 2)
                        .latest()
                        .orElseThrow()
                        .state()
                        .step());
        double fromA = distance(embed(firstRun.get(0), images), embeddedByA);
        assertTrue(fromA < 1e-4 * trainedAway, "B's version 1 is A's network: " + fromA + " from it");
        double afterAStep = distance(embed(firstRun.get(1), images), embeddedByA);
        assertTrue(
                afterAStep < 0.2 * trainedAway,
                "B's version 2 is " + afterAStep + " from A's network, a fresh one " + trainedAway);

        // C starts from A's newest model version on the models topic: its target weights in both encoders.
        Map<String, String> c = lineage(f, "c", dir.resolve("c"), "test-model@latest");
        c.put("max.steps", "1");
        new StreamingTrainer(new TrainerConfig(c)).run();
        ModelVersion firstOfC = versions(f, "test-model-c").get(0);
        assertEquals(0, firstOfC.step(), "C publishes the network it starts from before its first step");
        double cFromA = distance(embed(firstOfC, images), embeddedByA);
        assertTrue(
                cFromA < 0.2 * trainedAway,
                "C's version 1 is " + cFromA + " from A's network, a fresh one " + trainedAway);

        // A restart of B resumes its checkpoint at step 2, init notwithstanding: its versions go on from step 3.
        b.put("max.steps", "4");
        new StreamingTrainer(new TrainerConfig(b)).run();
        List<ModelVersion> all = versions(f, "test-model-b");
        assertEquals(
                List.of(3L, 4L),
                all.subList(firstRun.size(), all.size()).stream()
                        .map(ModelVersion::step)
                        .toList(),
                "the restart continues B, it does not start again from A");
        TrainerState resumed =
                new CheckpointStore(checkpointsB, 2).latest().orElseThrow().state();
        assertEquals(4, resumed.step());
        assertEquals(4 * 16, resumed.imagesTrained());
    }

    @Test
    void aLineageWhoseCheckpointsAreLostGoesOnFromItsNewestVersionAndNeverPublishesARandomNetwork(
            StackEndpoints stack, @TempDir Path dir) throws Exception {
        TrainerFixture f = new TrainerFixture(stack, 1);
        f.produce(TrainerFixture.goodImages(160, "img-"));
        // The lineage trains 30 steps and publishes its version 1 at the last.
        Path checkpoints = dir.resolve("checkpoints");
        Map<String, String> s = trainedThirtySteps(f, checkpoints);
        float[] images = seededImages();
        float[][] embeddedByTrained = embed(versions(f, "test-model").get(0), images);
        double trainedAway = distance(embedFresh(new TrainerConfig(s).modelConfig(), images), embeddedByTrained);

        // The fault: its checkpoint directory is gone (a wiped disk, a container without its volume). The restart
        // goes on from version 1, so version 2, one step later, is version 1's network, not a random one.
        try (var files = Files.walk(checkpoints)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        s.put("max.steps", "1");
        s.put("version.interval.steps", "1");
        new StreamingTrainer(new TrainerConfig(s)).run();
        List<ModelVersion> all = versions(f, "test-model");
        assertEquals(List.of(1L, 2L), all.stream().map(ModelVersion::version).toList());
        double fromTrained = distance(embed(all.get(1), images), embeddedByTrained);
        assertTrue(
                fromTrained < 0.2 * trainedAway,
                "version 2 is " + fromTrained + " from version 1, a fresh network " + trainedAway);
        assertEquals(
                1,
                new CheckpointStore(checkpoints, 2)
                        .latest()
                        .orElseThrow()
                        .state()
                        .step());

        // A lineage whose only version cannot be read (its schema lost) and has no checkpoint refuses to start
        // rather than publish a new network as its version 2.
        f.produceRaw(
                f.models,
                ModelVersionCodec.manifestKey("test-model-lost", 1).getBytes(),
                new byte[] {0, 0, 0, 0x7F, 0x7F, 1, 2, 3});
        Map<String, String> lost = lineage(f, "lost", dir.resolve("lost"), "");
        lost.put("max.steps", "1");
        Map<TopicPartition, Long> modelsEnd = f.endOffsets(f.models);
        IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> new StreamingTrainer(new TrainerConfig(lost)).run());
        assertTrue(refused.getMessage().contains("none can be read"), refused.getMessage());
        assertEquals(modelsEnd, f.endOffsets(f.models), "nothing published on the models topic");
    }

    /** The settings of lineage test-model after it trained 30 steps and published its version 1 at the last. */
    private static Map<String, String> trainedThirtySteps(TrainerFixture f, Path checkpoints) throws Exception {
        Map<String, String> s = f.settings(checkpoints);
        s.put("replay.factor", "1000");
        s.put("max.steps", "30");
        s.put("version.interval.steps", "30");
        new StreamingTrainer(new TrainerConfig(s)).run();
        return s;
    }

    /** Eight seeded Gaussian images, [8, 3, 32, 32]: the same inputs for every network a test compares. */
    private static float[] seededImages() {
        float[] images = new float[8 * 3 * 32 * 32];
        Random random = new Random(7);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        return images;
    }

    /** What a freshly initialised network of {@code config} embeds {@code images} (eight) as. */
    private static float[][] embedFresh(ExtremaConfig config, float[] images) {
        try (ExtremaModel fresh = ExtremaModel.create(config, Device.cpu());
                Embedder target = fresh.embedder(true)) {
            return target.embed(images, 8).instance();
        }
    }

    /** Settings of lineage {@code test-model-<name>}: its own group and checkpoints, warm-started from init. */
    private static Map<String, String> lineage(TrainerFixture f, String name, Path checkpoints, String init) {
        Map<String, String> s = f.settings(checkpoints);
        s.put("model.name", "test-model-" + name);
        s.put("group.id", f.group + "-" + name);
        s.put("init", init);
        s.put("replay.factor", "1000");
        s.put("version.interval.steps", "1");
        s.put("version.keep", "10"); // every version stays to be read
        return s;
    }

    private static float[][] embed(ModelVersion version, float[] images) throws java.io.IOException {
        try (Embedder embedder = Embedder.load(version.weights())) {
            return embedder.embed(images, images.length / (3 * 32 * 32)).instance();
        }
    }

    /** Mean Euclidean distance between the rows of two batches of embeddings. */
    private static double distance(float[][] x, float[][] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double d = 0;
            for (int j = 0; j < x[i].length; j++) {
                d += (x[i][j] - y[i][j]) * (double) (x[i][j] - y[i][j]);
            }
            sum += Math.sqrt(d);
        }
        return sum / x.length;
    }

    /** The verified model versions of {@code lineage} on the models topic, in the order they were published. */
    private static List<ModelVersion> versions(TrainerFixture f, String lineage) {
        ModelVersionAssembler assembler = new ModelVersionAssembler();
        List<ModelVersion> verified = new ArrayList<>();
        for (ConsumerRecord<byte[], ModelPart> r : f.readAll(f.models, ModelPart.class)) {
            assembler
                    .accept(r.value())
                    .ifPresent(o -> verified.add(assertInstanceOf(ModelVersionAssembler.Verified.class, o)
                            .version()));
        }
        return verified.stream().filter(v -> v.modelName().equals(lineage)).toList();
    }

    /**
     * Trains with {@code settings} until the newest metrics record after the first {@code skip} has {@code extra}
     * figures that satisfy {@code done} (within 2 minutes), then stops the trainer cleanly.
     */
    private static void trainUntil(
            TrainerFixture f, Map<String, String> settings, int skip, Predicate<Map<String, Double>> done, String what)
            throws Exception {
        StreamingTrainer trainer = new StreamingTrainer(new TrainerConfig(settings));
        CompletableFuture<Void> run = runAsync(trainer);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                List<TrainingMetrics> m = values(f.readAll(f.metrics, TrainingMetrics.class));
                TrainingMetrics latest = m.size() > skip ? m.get(m.size() - 1) : null;
                if (latest != null && done.test(latest.getExtra())) {
                    return;
                }
                assertFalse(run.isDone(), "trainer stopped early");
                assertTrue(System.nanoTime() < deadline, "not reached: " + what + "; last metrics " + latest);
                Thread.sleep(100);
            }
        } finally {
            trainer.stop();
            run.get(60, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code trainer} on another thread; the future fails with what {@code run()} threw. */
    private static CompletableFuture<Void> runAsync(StreamingTrainer trainer) {
        return CompletableFuture.runAsync(() -> {
            try {
                trainer.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** An ImageFolder tree of labelled JPEGs for the online k-NN probe. */
    private static Path probeSet(Path root) throws java.io.IOException {
        for (int c = 0; c < PROBE_CLASSES; c++) {
            Path folder = Files.createDirectories(root.resolve("class" + c));
            for (int i = 0; i < PROBE_IMAGES_PER_CLASS; i++) {
                Files.write(folder.resolve(i + ".jpg"), TestImages.jpeg(c, 10_000 + i, 32));
            }
        }
        return root;
    }

    private static void waitForStep(TrainerFixture f, long step, Process child, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            Optional<Long> latest = values(f.readAll(f.metrics, TrainingMetrics.class)).stream()
                    .map(TrainingMetrics::getStep)
                    .max(Long::compare);
            if (latest.orElse(0L) >= step) {
                return;
            }
            assertTrue(child.isAlive(), () -> "trainer exited: " + log(log));
            assertTrue(System.nanoTime() < deadline, "step " + step + " not reached: " + log(log));
            Thread.sleep(500);
        }
    }

    /** The trainer's Prometheus port as a banner asks for it: before the trainer has opened anything. */
    private static int awaitPort(StreamingTrainer trainer) {
        try {
            return trainer.prometheusPort(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void scrapeUntilTrained(int port, AtomicReference<String> scraped) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                scraped.set(body);
                if (!body.contains("extrema_trainer_step 0.0")) {
                    return;
                }
            } catch (Exception notYet) {
                // the endpoint starts with the trainer
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String log(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    private static <T> List<T> values(List<ConsumerRecord<byte[], T>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
