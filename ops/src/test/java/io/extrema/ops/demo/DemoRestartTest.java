package io.extrema.ops.demo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.trainer.checkpoint.CheckpointStore;
import io.extrema.trainer.checkpoint.TrainerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Day two of {@code extrema demo}: run it, SIGKILL its JVM (no hook: the broker and registry it started are left
 * orphaned), run it again with the same settings. The second run must take over the stack it left, resume training
 * from the checkpoint with version numbers still rising, and serve with the newest trained version from its first
 * embedding: never the fresh network it starts with when the models topic is empty.
 */
class DemoRestartTest {
    private static final Duration PATIENCE = Duration.ofMinutes(4);
    private static final Duration BACK_WITHIN = Duration.ofSeconds(35);

    @Test
    void aKilledDemoRunsAgainOnItsStackResumingTrainingAndServingTheNewestVersion(@TempDir Path tmp) throws Exception {
        Path stackDir = Path.of("target/extrema-stack/demo-restart-"
                        + ProcessHandle.current().pid())
                .toAbsolutePath();
        StackSettings stack = StackSettings.defaults(stackDir).withFreePorts();
        Path work = tmp.resolve("work");
        List<String> command = TinyDemoMain.command(
                stack,
                work,
                List.of("max.steps=0", "checkpoint.interval.steps=10", "version.interval.steps=10"),
                "--rate",
                "20",
                "--status.interval.seconds",
                "2");
        DemoTopics topics = new DemoTopics("extrema.");
        Path log = tmp.resolve("demo.log");
        try {
            Process first = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            TrainerState checkpoint;
            try {
                CheckpointStore checkpoints = new CheckpointStore(work.resolve("checkpoints"), 2);
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                while (checkpoints.latest().map(c -> c.state().lastVersion()).orElse(0L) < 2) {
                    assertTrue(first.isAlive(), "the demo exited:\n" + Files.readString(log));
                    assertTrue(
                            System.nanoTime() < deadline, "no checkpoint after version 2:\n" + Files.readString(log));
                    Thread.sleep(500);
                }
            } finally {
                first.destroyForcibly(); // SIGKILL
                first.waitFor(30, TimeUnit.SECONDS);
            }
            checkpoint = new CheckpointStore(work.resolve("checkpoints"), 2)
                    .latest()
                    .orElseThrow()
                    .state();
            StackEndpoints endpoints = stack.endpoints();

            Instant restarted = Instant.now();
            Process second = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            try {
                long before = checkpoint.lastVersion();
                awaitStackUp(stack, second, log);
                Instant stackUp = Instant.now();
                try (TopicReader<ModelPart> models = new TopicReader<>(endpoints, topics.models(), ModelPart.class);
                        TopicReader<TrainingMetrics> metrics =
                                new TopicReader<>(endpoints, topics.metrics(), TrainingMetrics.class);
                        TopicReader<EmbeddingRecord> embeddings =
                                new TopicReader<>(endpoints, topics.embeddings(), EmbeddingRecord.class)) {
                    // Training resumed: the first step reported after the restart continues from the checkpoint.
                    List<TrainingMetrics> steps = metrics.await(
                            m -> m.stream().anyMatch(x -> x.getTime().isAfter(restarted)),
                            PATIENCE,
                            "a training step after the restart");
                    long firstAfter = steps.stream()
                            .filter(x -> x.getTime().isAfter(restarted))
                            .mapToLong(TrainingMetrics::getStep)
                            .min()
                            .orElseThrow();
                    assertTrue(
                            firstAfter > checkpoint.step(),
                            "first step after the restart " + firstAfter + ", checkpoint at " + checkpoint.step()
                                    + ": training started over");
                    // Version numbers keep rising over the kill: none is published twice.
                    List<Long> versions = models
                            .await(
                                    p -> p.stream()
                                            .anyMatch(x ->
                                                    x.getPart() instanceof ModelManifest && x.getVersion() > before),
                                    PATIENCE,
                                    "a version above v" + before)
                            .stream()
                            .filter(x -> x.getPart() instanceof ModelManifest)
                            .map(ModelPart::getVersion)
                            .toList();
                    assertTrue(
                            versions.equals(
                                    versions.stream().distinct().sorted().toList()),
                            "versions on the models topic, in order: " + versions);
                    // Serving started on a trained version, never the fresh network (version 0).
                    List<EmbeddingRecord> after = embeddings.await(
                            e -> e.stream()
                                            .filter(x -> x.getProcessingTime().isAfter(restarted))
                                            .count()
                                    >= 20,
                            PATIENCE,
                            "embeddings after the restart");
                    long oldest = after.stream()
                            .filter(x -> x.getProcessingTime().isAfter(restarted))
                            .mapToLong(EmbeddingRecord::getModelVersion)
                            .min()
                            .orElseThrow();
                    // Back on its own soon: the dead members' sessions (10 s in the demo, not Kafka's 45 s) do not
                    // hold serving's partitions for long.
                    Instant firstEmbedded = after.stream()
                            .map(EmbeddingRecord::getProcessingTime)
                            .filter(t -> t.isAfter(restarted))
                            .min(Comparator.naturalOrder())
                            .orElseThrow();
                    assertTrue(
                            Duration.between(stackUp, firstEmbedded).compareTo(BACK_WITHIN) < 0,
                            "first embedding " + Duration.between(stackUp, firstEmbedded) + " after the stack was up");
                    assertTrue(
                            oldest >= checkpoint.lastVersion() && oldest > 0,
                            "after the restart serving embedded " + "with v" + oldest
                                    + "; the checkpoint had published v" + checkpoint.lastVersion());
                }
                String output = Files.readString(log);
                assertFalse(output.contains("TRAINER FAILED"), output);
            } finally {
                second.toHandle().destroy();
                second.waitFor(3, TimeUnit.MINUTES);
                second.destroyForcibly();
            }
        } finally {
            LocalStack.stop(stack);
            LocalStack.deleteState(stackDir);
        }
    }

    private static void awaitStackUp(StackSettings stack, Process demo, Path log) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!LocalStack.status(stack).allUp()) {
            assertTrue(demo.isAlive(), "the second demo exited:\n" + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "stack not up again:\n" + Files.readString(log));
            Thread.sleep(500);
        }
    }
}
