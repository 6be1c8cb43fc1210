package io.extrema.ops.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.ingest.ImageRecords;
import io.extrema.ops.ExtremaCli;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import io.extrema.trainer.TinyNetwork;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole system on the real local stack (broker + registry processes), real libtorch and real JPEGs from the
 * shipped CIFAR-10 sample plus three bad files: ingest → trainer → serving → monitoring, wired by {@link Demo}
 * exactly as {@code extrema demo} wires them, with a tiny model so it runs in a few minutes on two cores.
 *
 * <p>The trainer stops itself after {@value #STEPS} steps, which fixes "the latest model"; then the good images are
 * sent again through {@code extrema ingest}, and every one of them must come back embedded by that latest version
 * from the same, never restarted, serving instance.
 */
@ExtendWith(LocalStackExtension.class)
class EndToEndTest {
    static final int EVERY = 8; // 2,000 sample images / 8 = 250 good images, all ten classes
    static final int STEPS = 60;
    static final int VERSION_EVERY = 20;
    static final Duration BOUND = Duration.ofMinutes(4);

    @Test
    void imagesAreTrainedOnEmbeddedByTheNewestModelMonitoredAndBadOnesDeadLettered(
            StackEndpoints stack, @TempDir Path tmp) throws Exception {
        Path sample = SampleData.require();
        Path images = tmp.resolve("images");
        Set<String> good = writeGoodImages(sample.resolve("train.tar.gz"), images);
        byte[] truncated = writeBadImages(images);
        assertFalse(good.contains(ImageRecords.sha256(truncated)));

        DemoTopics topics = new DemoTopics("e2e-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        Demo.Plan plan = new Demo.Plan(
                stack.bootstrapServers(),
                stack.registryUrl(),
                Map.of(),
                Map.of(),
                topics,
                tmp.resolve("work"),
                images,
                sample.resolve("test.tar.gz"),
                0,
                1,
                0,
                tinyTrainer(),
                Map.of(),
                // 1 s windows: a window closes only once stream time passes its end and grace, and the second
                // pass can come as little as 5 s after the first (a fast trainer), which 5 s windows did not cover.
                Map.of("window.size.ms", "1000", "window.grace.ms", "200", "alert.min.window.count", "5"));
        long started = System.nanoTime();
        try (Demo demo = new Demo(plan).start();
                TopicReader<EmbeddingRecord> embeddings =
                        new TopicReader<>(stack, topics.embeddings(), EmbeddingRecord.class);
                TopicReader<ModelPart> models = new TopicReader<>(stack, topics.models(), ModelPart.class);
                TopicReader<TrainingMetrics> metrics =
                        new TopicReader<>(stack, topics.metrics(), TrainingMetrics.class);
                TopicReader<MonitorRecord> monitor = new TopicReader<>(stack, topics.monitor(), MonitorRecord.class);
                TopicReader<DeadLetter> dlqIngest = new TopicReader<>(stack, topics.dlqIngest(), DeadLetter.class);
                TopicReader<DeadLetter> dlqTrainer = new TopicReader<>(stack, topics.dlqTrainer(), DeadLetter.class);
                TopicReader<DeadLetter> dlqServing = new TopicReader<>(stack, topics.dlqServing(), DeadLetter.class)) {

            // Nothing lost on the first pass: every good image is embedded (by whichever version was live).
            embeddings.await(all -> embeddedIds(all, v -> true).containsAll(good), BOUND, "every good image embedded");

            // The trainer ran to its step budget, publishing versions on the way.
            assertTrue(demo.awaitTrainer(BOUND), "trainer still running after " + BOUND + ": " + demo.status());
            assertNull(demo.trainerFailure());
            List<Long> versions =
                    models
                            .await(parts -> manifests(parts).size() >= STEPS / VERSION_EVERY, BOUND, "model versions")
                            .stream()
                            .filter(p -> p.getPart() instanceof ModelManifest)
                            .map(ModelPart::getVersion)
                            .toList();
            long latest = versions.get(versions.size() - 1);
            assertEquals(versions.stream().sorted().distinct().toList(), versions, "versions are monotonic");
            assertTrue(latest >= STEPS / VERSION_EVERY, "versions advanced: " + versions);

            // Serving follows the models topic by itself; once the latest is live, send the good images again.
            long waitUntil = System.nanoTime() + BOUND.toNanos();
            while (demo.servingModel().orElseThrow().version() != latest && System.nanoTime() < waitUntil) {
                Thread.sleep(200);
            }
            assertEquals(latest, demo.servingModel().orElseThrow().version(), "serving swapped to the latest version");
            ExtremaCli.Result ingest = ExtremaCli.run(
                    "ingest",
                    images.toString(),
                    "--bootstrap.servers",
                    stack.bootstrapServers(),
                    "--schema.registry.url",
                    stack.registryUrl(),
                    "--topic",
                    topics.images(),
                    "--dlq.topic",
                    topics.dlqIngest(),
                    "--quiet",
                    "--tolerate.refused",
                    // the demo's source name: the monitor's per-source windows of the first pass then see time
                    // move on, and close
                    "--source.name",
                    images.getFileName().toString());
            assertEquals(0, ingest.exit(), "extrema ingest exit status");

            // Every good image has an embedding from the latest model, from the serving instance that started with
            // a fresh network: newer versions arrived without a restart.
            List<EmbeddingRecord> all = embeddings.await(
                    e -> embeddedIds(e, v -> v == latest).containsAll(good), BOUND, "every good image by v" + latest);
            Set<Long> embeddedBy =
                    all.stream().map(EmbeddingRecord::getModelVersion).collect(Collectors.toCollection(TreeSet::new));
            assertTrue(embeddedBy.size() >= 2 && embeddedBy.contains(latest), "versions in embeddings: " + embeddedBy);
            assertTrue(all.stream().noneMatch(e -> e.getInstance().stream().anyMatch(f -> !Float.isFinite(f))));

            // Metrics from the trainer, with a finite loss and the probe accuracy on the shipped test images.
            List<TrainingMetrics> m = metrics.await(
                    r -> r.stream().anyMatch(x -> x.getProbeAccuracy() != null),
                    BOUND,
                    "metrics with a probe accuracy");
            assertTrue(m.stream().allMatch(x -> Double.isFinite(x.getLoss())), "finite losses");
            assertTrue(m.get(m.size() - 1).getStep() >= STEPS - 5);

            // Monitor windows per source, naming the versions that produced them.
            List<MonitorRecord> windows = monitor.await(r -> !r.isEmpty(), BOUND, "monitor windows");
            assertTrue(windows.stream()
                    .allMatch(w -> w.getCount() > 0 && !w.getModelVersions().isEmpty()));

            // Dead letters: refused by ingest from the header (empty, not an image); the truncated JPEG passed the
            // header check and was dead-lettered by both the trainer and serving, which kept running.
            List<DeadLetter> refused = dlqIngest.await(r -> r.size() >= 4, BOUND, "ingest dead letters (2 per pass)");
            Set<String> reasons =
                    refused.stream().map(d -> d.getReason().toString()).collect(Collectors.toSet());
            assertTrue(reasons.stream().anyMatch(r -> r.toLowerCase().contains("empty")), "reasons: " + reasons);
            assertTrue(dlqTrainer
                    .await(r -> !r.isEmpty(), BOUND, "trainer dead letter")
                    .get(0)
                    .getStage()
                    .toString()
                    .contains("train"));
            DeadLetter servingDead = dlqServing
                    .await(r -> !r.isEmpty(), BOUND, "serving dead letter")
                    .get(0);
            assertTrue(servingDead.getValue() != null && servingDead.getValue().remaining() > 0, "original bytes kept");

            // extrema eval on the latest version from the models topic and on the trainer's newest checkpoint.
            for (List<String> model : List.of(
                    List.of("--topic.models", topics.models()),
                    List.of(
                            "--model",
                            "checkpoint",
                            "--checkpoint",
                            plan.workDir().resolve("checkpoints").toString()))) {
                List<String> args = new java.util.ArrayList<>(List.of(
                        "eval",
                        "--train",
                        sample.resolve("train.tar.gz").toString(),
                        "--test",
                        sample.resolve("test.tar.gz").toString(),
                        "--max.images",
                        "300",
                        "--linear",
                        "false",
                        "--bootstrap.servers",
                        stack.bootstrapServers(),
                        "--schema.registry.url",
                        stack.registryUrl()));
                args.addAll(model);
                ExtremaCli.Result eval = ExtremaCli.run(args.toArray(String[]::new));
                assertEquals(0, eval.exit(), "extrema eval " + model);
                assertTrue(
                        eval.out().contains("k-NN (k=20")
                                && (model.size() > 2 || eval.out().contains(" v" + latest + " ")),
                        eval.out());
            }

            // What the demo prints and the dashboard it serves.
            String status = demo.status();
            assertTrue(
                    status.contains("images sent " + (good.size() + 1)) /* + the truncated one */
                            && status.contains("model versions published"),
                    status);
            String snapshot = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(demo.dashboardUrl() + "api/snapshot"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(
                    snapshot.contains("\"loss\""),
                    "dashboard snapshot holds the metrics: " + snapshot.substring(0, Math.min(300, snapshot.length())));
            System.out.printf(
                    "end-to-end: %d good images, versions %s, embeddings by %s, %d monitor windows, %.0f s%n",
                    good.size(), versions, embeddedBy, windows.size(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** The trainer settings of a network small enough for CI; the rest is the demo's own configuration. */
    static Map<String, String> tinyTrainer() {
        Map<String, String> s = new HashMap<>(TinyNetwork.settings());
        s.put("replay.capacity.images", "512");
        s.put("replay.factor", "8");
        s.put("max.steps", String.valueOf(STEPS));
        s.put("version.interval.steps", String.valueOf(VERSION_EVERY));
        s.put("version.interval.minutes", "0");
        s.put("checkpoint.interval.steps", "20");
        s.put("probe.interval.steps", "20");
        s.put("probe.max.images", "200");
        return s;
    }

    /** Every {@value #EVERY}th image of the sample as {@code <class>/<name>.jpg}; returns their ids (SHA-256). */
    private static Set<String> writeGoodImages(Path tar, Path folder) throws Exception {
        Set<String> ids = new HashSet<>();
        int i = 0;
        try (ImageSource source = ImageSources.open(tar)) {
            for (SourceImage image : source) {
                if (i++ % EVERY != 0) continue;
                Path file = folder.resolve(image.label())
                        .resolve(Path.of(image.key()).getFileName().toString());
                Files.createDirectories(file.getParent());
                Files.write(file, image.bytes());
                ids.add(ImageRecords.sha256(image.bytes()));
            }
        }
        return ids;
    }

    /** An empty file, a text file named .jpg and a JPEG whose scan data ends early; returns the last. */
    private static byte[] writeBadImages(Path folder) throws Exception {
        Path bad = Files.createDirectories(folder.resolve("bad"));
        Files.write(bad.resolve("empty.jpg"), new byte[0]);
        Files.writeString(bad.resolve("not-an-image.jpg"), "this is a text file, not a picture\n");
        byte[] jpeg;
        try (ImageSource source = ImageSources.open(SampleData.require().resolve("test.tar.gz"))) {
            jpeg = source.iterator().next().bytes();
        }
        int scan = 0;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                scan = i; // start of scan: the header (and its dimensions) stay whole
                break;
            }
        }
        assertTrue(scan > 0, "no start-of-scan marker in the sample JPEG");
        // Cut the scan data short but end with an end-of-image marker: the header check of ingest passes it,
        // only decoding finds the missing data.
        byte[] truncated = Arrays.copyOf(jpeg, scan + (jpeg.length - scan) / 3 + 2);
        truncated[truncated.length - 2] = (byte) 0xFF;
        truncated[truncated.length - 1] = (byte) 0xD9;
        Files.write(bad.resolve("truncated.jpg"), truncated);
        return truncated;
    }

    private static Set<String> embeddedIds(List<EmbeddingRecord> records, java.util.function.LongPredicate version) {
        return records.stream()
                .filter(e -> version.test(e.getModelVersion()))
                .map(e -> e.getImageId().toString())
                .collect(Collectors.toSet());
    }

    private static List<ModelPart> manifests(List<ModelPart> parts) {
        return parts.stream().filter(p -> p.getPart() instanceof ModelManifest).toList();
    }
}
