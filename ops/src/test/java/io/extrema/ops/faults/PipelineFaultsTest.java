package io.extrema.ops.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.ops.demo.DemoTopics;
import io.extrema.ops.demo.SampleData;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackSettings;
import io.extrema.stack.StackStatus;
import io.extrema.trainer.TinyNetwork;
import io.extrema.trainer.checkpoint.CheckpointStore;
import io.extrema.trainer.checkpoint.TrainerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as a user leaves it running: trainer, serving and monitor each in its own JVM ({@code extrema train},
 * {@code serve}, {@code monitor}), on a broker process and a registry process, with images streaming in at a steady
 * rate while one fault after another is injected: SIGKILL of each part, the broker down for 30 s, the registry down
 * for 30 s with serving restarted inside the outage. Each fault is timed until the pipeline moves again. At the end
 * every image the broker acknowledged must be embedded, none twice, nothing dead-lettered (an outage is not bad
 * input); the trainer resumes at its checkpoint with version numbers still rising; serving restarts on the newest
 * version; every monitor window counts exactly the embeddings in it.
 *
 * <p>One row per fault goes to {@code target/reliability/faults.md}; {@code bench/reliability} reruns this test and
 * copies the rows into docs/reliability.md.
 */
class PipelineFaultsTest {
    private static final double RATE = 8; // images/s: well below what the parts sustain on two shared cores
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final long WINDOW_MS = 5_000;
    private static final Path OUT = Path.of("target/reliability");
    // A SIGKILLed member holds its partitions until its session expires; 10 s (the default is 45) keeps the test short.
    private static final String SESSION_TIMEOUT_MS = "10000";
    private static final String MODEL = "faults-model";

    /** One injected fault: what, how, and the interval from injection until the pipeline moved again. */
    private record Fault(String name, String how, long injectedAt, long recoveredAt, String checked) {}

    private final List<Fault> faults = new ArrayList<>();

    @Test
    void everyFaultRecoversWithNoImageLostNoneEmbeddedTwiceAndNothingDeadLettered(@TempDir Path tmp) throws Exception {
        Path base = Path.of("target/extrema-stack").toAbsolutePath();
        StackSettings stack = StackSettings.defaults(
                        base.resolve("faults-" + ProcessHandle.current().pid()))
                .withRegistryHome(base.resolve("registry"))
                .withFreePorts();
        DemoTopics topics = new DemoTopics("faults.");
        Path checkpoints = tmp.resolve("checkpoints");
        Files.createDirectories(OUT);
        // The logs (each part's output and its libraries') stay after the run, for a failure's cause; a run starts
        // with none.
        try (Stream<Path> files = Files.list(OUT)) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                Files.delete(log);
            }
        }
        try {
            LocalStack.startDetached(stack, List.of());
            topics.create(Map.of("bootstrap.servers", stack.bootstrapServers()));
            String bootstrap = stack.bootstrapServers();
            String registry = stack.registryUrl();
            List<String> deadLetterTopics = List.of(topics.dlqTrainer(), topics.dlqServing(), topics.dlqMonitor());
            try (PipelineProcess trainer = new PipelineProcess(
                                    "trainer", trainerArgs(stack, topics, checkpoints), OUT.resolve("trainer.log"))
                            .start();
                    PipelineProcess serving = new PipelineProcess(
                                    "serving", servingArgs(stack, topics, tmp), OUT.resolve("serving.log"))
                            .start();
                    PipelineProcess monitor = new PipelineProcess(
                                    "monitor", monitorArgs(stack, topics, tmp), OUT.resolve("monitor.log"))
                            .start();
                    ImageStream images = new ImageStream(
                                    bootstrap,
                                    registry,
                                    topics.images(),
                                    SampleData.require().resolve("train.tar.gz"),
                                    500,
                                    RATE)
                            .start();
                    PipelineObserver seen = new PipelineObserver(
                            bootstrap,
                            registry,
                            topics.embeddings(),
                            topics.models(),
                            topics.metrics(),
                            topics.monitor(),
                            deadLetterTopics)) {
                List<PipelineProcess> parts = List.of(trainer, serving, monitor);

                // Warm: a trained version is served and the trainer has checkpointed. (The monitor's first window
                // closes only after its grace, 2 min; its kill comes third.)
                seen.await(
                        () -> seen.embeddings.stream().anyMatch(e -> e.version() >= 1)
                                && newestCheckpointStep(checkpoints) > 0,
                        PATIENCE,
                        "embeddings by a trained version and a checkpoint" + logs(parts));

                unreadableModelRecord(bootstrap, topics.models());
                killTrainer(trainer, seen, checkpoints, parts);
                killServing(serving, seen, parts);
                killMonitor(monitor, seen, bootstrap, topics.embeddings(), parts);
                brokerDown(stack, seen, parts);
                registryDown(stack, serving, seen, parts);

                // Keep streaming until the monitor has closed the windows of every fault: a window closes only when
                // stream time passes its end plus the grace (2 min by default).
                long lastRecovered = faults.get(faults.size() - 1).recoveredAt();
                seen.await(
                        () -> seen.windows.stream().anyMatch(w -> w.start() > lastRecovered),
                        Duration.ofMinutes(5),
                        "the monitor closing the windows of the whole run" + logs(parts));
                images.close();
                assertEquals(0, images.failed(), "sends the producer gave up on");
                Set<String> produced = images.acknowledged();
                seen.await(
                        () -> embeddedIds(seen).containsAll(produced),
                        PATIENCE,
                        "every acknowledged image embedded" + logs(parts));
                for (PipelineProcess p : parts) {
                    assertTrue(p.alive(), p.name() + " died:\n" + p.tail());
                }
                Thread.sleep(3_000); // late duplicates, if any, have time to show up

                Map<String, Map<Long, Long>> byImage = perImageAndVersion(seen.embeddings);
                long duplicates = byImage.values().stream()
                        .flatMap(v -> v.values().stream())
                        .mapToLong(n -> n - 1)
                        .sum();
                long embeddedTwice =
                        byImage.values().stream().filter(v -> v.size() > 1).count();
                long lost =
                        produced.stream().filter(id -> !byImage.containsKey(id)).count();
                assertEquals(0, lost, "images lost");
                assertEquals(0, duplicates, "(image, version) pairs embedded more than once");
                assertEquals(0, embeddedTwice, "images embedded by two versions (serving re-read committed input)");
                assertEquals(0, seen.deadLettered(), "dead letters: an outage is not bad input");
                List<Long> versions = seen.versions.stream()
                        .map(PipelineObserver.Version::version)
                        .toList();
                assertEquals(
                        versions.stream().distinct().sorted().toList(),
                        versions,
                        "version numbers rise and are never reused");
                assertWindowsExact(seen);

                writeRows(produced.size(), images.sentAt(), byImage);
            }
        } finally {
            LocalStack.stop(stack);
            LocalStack.deleteState(stack.stateDir());
        }
    }

    /** SIGKILL of the trainer: it resumes at its checkpoint's step and offsets, and its versions keep rising. */
    private void killTrainer(
            PipelineProcess trainer, PipelineObserver seen, Path checkpoints, List<PipelineProcess> parts)
            throws Exception {
        long versionBefore = seen.latestVersion();
        long injected = System.currentTimeMillis();
        trainer.kill();
        TrainerState checkpoint =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        trainer.start();
        long restarted = System.currentTimeMillis();
        seen.await(
                () -> seen.steps.stream().anyMatch(s -> s.observedAt() > restarted && s.step() > checkpoint.step()),
                PATIENCE,
                "a step after the checkpoint's " + checkpoint.step() + logs(parts));
        long recovered = System.currentTimeMillis();
        seen.await(
                () -> seen.latestVersion() > versionBefore,
                PATIENCE,
                "a version above v" + versionBefore + logs(parts));
        PipelineObserver.Version next = seen.versions.stream()
                .filter(v -> v.version() > versionBefore)
                .findFirst()
                .orElseThrow();
        assertTrue(
                next.step() > checkpoint.step(),
                "the first new version's step " + next.step() + " continues from the checkpoint's "
                        + checkpoint.step());
        seen.await(
                () -> seen.steps.stream()
                        .anyMatch(st -> st.observedAt() > restarted
                                && st.extra().getOrDefault("modelsRecordsUnreadable", 0.0) == 1.0),
                PATIENCE,
                "the restarted trainer counting the one unreadable models-topic record");
        seen.await(() -> newestCheckpointStep(checkpoints) > checkpoint.step(), PATIENCE, "a newer checkpoint");
        TrainerState later =
                new CheckpointStore(checkpoints, 2).latest().orElseThrow().state();
        checkpoint
                .offsets()
                .forEach((tp, p) -> assertTrue(
                        later.offsets().get(tp).next() >= p.next(),
                        "offsets of " + tp + " went back: " + p + " -> "
                                + later.offsets().get(tp)));
        faults.add(new Fault(
                "trainer SIGKILL mid-stream",
                "SIGKILL of the `extrema train` JVM, restarted at once",
                injected,
                recovered,
                "resumed at checkpoint step " + checkpoint.step() + "; next version v"
                        + next.version() + " (was v" + versionBefore + ") at step " + next.step()
                        + "; offsets of the next checkpoint never below the restored ones; the unreadable "
                        + "models-topic record skipped and counted (`modelsRecordsUnreadable` 1)"));
    }

    /** SIGKILL of serving: the new instance embeds with the newest version from its first record. */
    private void killServing(PipelineProcess serving, PipelineObserver seen, List<PipelineProcess> parts)
            throws Exception {
        long injected = System.currentTimeMillis();
        serving.kill();
        long newest = seen.latestVersion();
        serving.start();
        long restarted = System.currentTimeMillis();
        seen.await(
                () -> seen.embeddings.stream().anyMatch(e -> e.processingTime() > restarted),
                PATIENCE,
                "an embedding from the restarted serving instance" + logs(parts));
        long recovered = System.currentTimeMillis();
        long oldest = seen.embeddings.stream()
                .filter(e -> e.processingTime() > restarted)
                .mapToLong(PipelineObserver.Embedding::version)
                .min()
                .orElseThrow();
        assertTrue(
                oldest >= newest,
                "the restarted instance embedded with v" + oldest + " while v" + newest + " was on the models topic");
        faults.add(new Fault(
                "serving SIGKILL mid-stream",
                "SIGKILL of the `extrema serve` JVM, restarted at once",
                injected,
                recovered,
                "restarted on v" + oldest + " (newest published: v" + newest + "), past the "
                        + "unreadable models-topic record"));
    }

    /**
     * SIGKILL of the monitor: it resumes from its last commit with its windows restored from their changelog (that
     * every window is exact is checked at the end). Recovered when its group's committed offsets on the embeddings
     * topic move past where they stood at the kill: windows themselves close only after the grace.
     */
    private void killMonitor(
            PipelineProcess monitor,
            PipelineObserver seen,
            String bootstrap,
            String embeddings,
            List<PipelineProcess> parts)
            throws Exception {
        long injected = System.currentTimeMillis();
        monitor.kill();
        long committedAtKill = committed(bootstrap, "faults-monitor", embeddings);
        monitor.start();
        seen.await(
                () -> committed(bootstrap, "faults-monitor", embeddings) > committedAtKill,
                PATIENCE,
                "the restarted monitor committing past offset " + committedAtKill + logs(parts));
        faults.add(new Fault(
                "monitor SIGKILL",
                "SIGKILL of the `extrema monitor` JVM, restarted at once",
                injected,
                System.currentTimeMillis(),
                "every window, also those open at the kill, counts exactly "
                        + "the embeddings in it; none emitted twice"));
    }

    /** The sum over partitions of what {@code group} committed on {@code topic}. */
    private static long committed(String bootstrap, String group, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset())
                    .sum();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the offsets of " + group, e);
        }
    }

    /** The broker killed and away for 30 s: every part waits and reconnects by itself. */
    private void brokerDown(StackSettings stack, PipelineObserver seen, List<PipelineProcess> parts) throws Exception {
        long injected = System.currentTimeMillis();
        kill(stack, "broker");
        Thread.sleep(OUTAGE.toMillis());
        LocalStack.startDetached(stack, List.of());
        long back = System.currentTimeMillis();
        long stepBefore = seen.latestStep();
        seen.await(
                () -> seen.embeddings.stream().anyMatch(e -> e.processingTime() > back)
                        && seen.steps.stream().anyMatch(s -> s.observedAt() > back && s.step() > stepBefore),
                PATIENCE,
                "embeddings and training after the broker came back" + logs(parts));
        for (PipelineProcess p : parts) {
            assertTrue(p.alive(), p.name() + " died while the broker was away:\n" + p.tail());
        }
        faults.add(new Fault(
                "broker down 30 s",
                "SIGKILL of the broker, `startDetached` 30 s later",
                injected,
                System.currentTimeMillis(),
                "trainer, serving and monitor kept running and carried on by themselves"));
    }

    /** The registry killed and away for 30 s, with serving restarted inside the outage: it waits, then runs. */
    private void registryDown(
            StackSettings stack, PipelineProcess serving, PipelineObserver seen, List<PipelineProcess> parts)
            throws Exception {
        long injected = System.currentTimeMillis();
        kill(stack, "registry");
        Thread.sleep(OUTAGE.toMillis() / 3);
        serving.stop();
        serving.start(); // a new instance knows no schema yet: it must wait for the registry, not dead-letter
        Thread.sleep(OUTAGE.toMillis() * 2 / 3);
        LocalStack.startDetached(stack, List.of());
        long back = System.currentTimeMillis();
        seen.await(
                () -> seen.embeddings.stream().anyMatch(e -> e.processingTime() > back),
                PATIENCE,
                "embeddings after the registry came back" + logs(parts));
        for (PipelineProcess p : parts) {
            assertTrue(p.alive(), p.name() + " died while the registry was away:\n" + p.tail());
        }
        faults.add(new Fault(
                "registry down 30 s under load",
                "SIGKILL of the registry, serving restarted 10 s "
                        + "into the outage, `startDetached` 30 s after the kill",
                injected,
                System.currentTimeMillis(),
                "the new serving instance waited for the registry; producers and the other parts used cached schemas"));
    }

    /**
     * A models-topic record no reader can decode: the Confluent wire format naming a schema id the registry never
     * gave out (what a registry that lost its schemas leaves behind). Every part must skip it, count it and go on.
     */
    private static void unreadableModelRecord(String bootstrap, String topic) throws Exception {
        byte[] unknownSchemaId = {0, 0, 0, 0x7F, 0x7F, 1, 2, 3};
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            topic, MODEL + "/written-before-the-registry-lost-its-schemas", unknownSchemaId))
                    .get();
        }
    }

    private static void kill(StackSettings stack, String service) throws InterruptedException {
        StackStatus.Service s = LocalStack.status(stack).services().stream()
                .filter(x -> x.name().equals(service))
                .findFirst()
                .orElseThrow();
        ProcessHandle handle = ProcessHandle.of(s.pid()).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().join();
    }

    /** Each window the monitor emitted holds exactly the embeddings whose timestamps fall in it, and is emitted once. */
    private void assertWindowsExact(PipelineObserver seen) {
        Map<Long, Long> embeddingsPerWindow = seen.embeddings.stream()
                .collect(Collectors.groupingBy(
                        e -> e.timestamp() - Math.floorMod(e.timestamp(), WINDOW_MS), Collectors.counting()));
        Map<Long, List<PipelineObserver.Window>> windows = seen.windows.stream()
                .filter(w -> w.source().equals(ImageStream.SOURCE))
                .collect(Collectors.groupingBy(PipelineObserver.Window::start, TreeMap::new, Collectors.toList()));
        assertTrue(windows.size() >= 10, "monitor windows: " + windows.size());
        List<String> wrong = new ArrayList<>();
        windows.forEach((start, emitted) -> {
            long expected = embeddingsPerWindow.getOrDefault(start, 0L);
            if (emitted.size() != 1 || emitted.get(0).count() != expected) {
                wrong.add("window at " + start + ": emitted " + emitted.size() + "x with counts "
                        + emitted.stream().map(w -> String.valueOf(w.count())).toList() + ", embeddings " + expected);
            }
        });
        assertTrue(
                wrong.isEmpty(),
                wrong.size() + " of " + windows.size() + " windows wrong:\n"
                        + String.join("\n", wrong) + "\nfaults: "
                        + faults.stream()
                                .map(f -> f.name() + " at " + f.injectedAt() + ".." + f.recoveredAt())
                                .toList());
    }

    private static Set<String> embeddedIds(PipelineObserver seen) {
        return seen.embeddings.stream().map(PipelineObserver.Embedding::imageId).collect(Collectors.toSet());
    }

    private static Map<String, Map<Long, Long>> perImageAndVersion(List<PipelineObserver.Embedding> embeddings) {
        return embeddings.stream()
                .collect(Collectors.groupingBy(
                        PipelineObserver.Embedding::imageId,
                        Collectors.groupingBy(PipelineObserver.Embedding::version, Collectors.counting())));
    }

    private static long newestCheckpointStep(Path checkpoints) {
        try {
            return new CheckpointStore(checkpoints, 2)
                    .latest()
                    .map(c -> c.state().step())
                    .orElse(0L);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One row per fault: the images sent from its injection to its recovery, and how many of them were lost or duplicated. */
    private void writeRows(int produced, Map<String, Long> sentAt, Map<String, Map<Long, Long>> byImage)
            throws Exception {
        StringBuilder md = new StringBuilder();
        md.append(
                "| fault | how it is injected | recovery time | images sent meanwhile | lost | duplicates | also checked |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (Fault f : faults) {
            List<String> during = sentAt.entrySet().stream()
                    .filter(e -> e.getValue() >= f.injectedAt() && e.getValue() <= f.recoveredAt())
                    .map(Map.Entry::getKey)
                    .toList();
            long lost = during.stream().filter(id -> !byImage.containsKey(id)).count();
            long duplicates = during.stream()
                    .filter(byImage::containsKey)
                    .mapToLong(id ->
                            byImage.get(id).values().stream().mapToLong(n -> n).sum() - 1)
                    .sum();
            md.append(String.format(
                    "| %s | %s | %.1f s | %d | %d | %d | %s |%n",
                    f.name(),
                    f.how(),
                    (f.recoveredAt() - f.injectedAt()) / 1000.0,
                    during.size(),
                    lost,
                    duplicates,
                    f.checked()));
        }
        md.append(String.format(
                "%nWhole run: %d images acknowledged, all embedded, 0 duplicates, 0 dead letters; "
                        + "%.0f images/s; session timeout %s ms.%n",
                produced, RATE, SESSION_TIMEOUT_MS));
        Files.writeString(OUT.resolve("faults.md"), md);
        System.out.print(md);
    }

    private static String logs(List<PipelineProcess> parts) {
        return parts.stream()
                .map(p -> "\n--- " + p.name() + (p.alive() ? "" : " (dead)") + ":\n" + p.tail())
                .collect(Collectors.joining());
    }

    private static List<String> trainerArgs(StackSettings stack, DemoTopics topics, Path checkpoints) {
        Map<String, String> s = new LinkedHashMap<>(TinyNetwork.settings());
        s.put("model.name", MODEL);
        s.put("group.id", "faults-trainer");
        s.put("topic.images", topics.images());
        s.put("topic.models", topics.models());
        s.put("topic.metrics", topics.metrics());
        s.put("topic.dlq", topics.dlqTrainer());
        s.put("checkpoint.dir", checkpoints.toString());
        s.put("checkpoint.interval.steps", "10");
        s.put("version.interval.steps", "20");
        s.put("version.interval.minutes", "0");
        s.put("metrics.interval.steps", "5");
        s.put("replay.capacity.images", "512");
        s.put("replay.factor", "4");
        s.put("decode.threads", "1");
        s.put("prometheus.port", "0");
        s.put("kafka.session.timeout.ms", SESSION_TIMEOUT_MS);
        return command("train", stack, s);
    }

    private static List<String> servingArgs(StackSettings stack, DemoTopics topics, Path tmp) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("application.id", "faults-serving");
        s.put("model.name", MODEL);
        s.put("topic.images", topics.images());
        s.put("topic.embeddings", topics.embeddings());
        s.put("topic.models", topics.models());
        s.put("topic.dlq", topics.dlqServing());
        s.put("state.dir", tmp.resolve("serving-state").toString());
        s.put("metrics.port", "0");
        s.put("kafka.session.timeout.ms", SESSION_TIMEOUT_MS);
        return command("serve", stack, s);
    }

    private static List<String> monitorArgs(StackSettings stack, DemoTopics topics, Path tmp) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("application.id", "faults-monitor");
        s.put("state.dir", tmp.resolve("monitor-state").toString());
        s.put("topic.embeddings", topics.embeddings());
        s.put("topic.dlq.serving", topics.dlqServing());
        s.put("topic.metrics", topics.metrics());
        s.put("topic.monitor", topics.monitor());
        s.put("topic.alerts", topics.alerts());
        s.put("topic.dlq.monitor", topics.dlqMonitor());
        s.put("window.size.ms", String.valueOf(WINDOW_MS));
        // window.grace.ms stays at its default (120 s), longer than any outage injected: serving's backlog after
        // it comes back arrives out of order across partitions, and its windows must still be open for it
        s.put("prometheus.port", "0");
        s.put("kafka.session.timeout.ms", SESSION_TIMEOUT_MS);
        return command("monitor", stack, s);
    }

    private static List<String> command(String name, StackSettings stack, Map<String, String> settings) {
        List<String> args = new ArrayList<>(List.of(
                name, "--bootstrap.servers", stack.bootstrapServers(), "--schema.registry.url", stack.registryUrl()));
        // The libraries' log lines beside the process's own output, not in the module's working directory.
        args.addAll(List.of(
                "--log.file",
                OUT.resolve(name + "-libraries.log").toAbsolutePath().toString()));
        settings.forEach((k, v) -> {
            args.add("--" + k);
            args.add(v);
        });
        return args;
    }
}
