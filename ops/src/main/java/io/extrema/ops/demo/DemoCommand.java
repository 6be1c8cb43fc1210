package io.extrema.ops.demo;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.StatusLine;
import io.extrema.ops.cli.Termination;
import io.extrema.ops.stack.StackCommand;
import io.extrema.schemas.ClientSettings;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import io.extrema.trainer.config.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * {@code extrema demo}: the whole system on the shipped CIFAR-10 sample (or {@code --data PATH}), on a local stack
 * it starts (or on the cluster given by {@code --bootstrap.servers} and {@code --schema.registry.url}), printing a
 * status line every few seconds until Ctrl-C, which stops everything in reverse order of starting.
 */
public final class DemoCommand implements Command {
    public static final String DATA = "data";
    public static final String PROBE = "probe";
    public static final String RATE = "rate";
    public static final String LOOPS = "loops";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String REGISTRY_URL = "schema.registry.url";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String WORK_DIR = "work.dir";
    public static final String DASHBOARD_PORT = "dashboard.port";

    /** Trainer settings on top of the demo's: none for {@code extrema demo}, a tiny network in tests. */
    private final Map<String, String> trainer;

    public DemoCommand() {
        this(Map.of());
    }

    DemoCommand(Map<String, String> trainer) {
        this.trainer = Map.copyOf(trainer);
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "Everything at once on a shipped image sample: local stack, ingest, training, serving, monitoring, dashboard.";
    }

    @Override
    public ConfigDef settings() {
        // The stack.* settings are the stack command's own: the demo starts the same stack.
        ConfigDef def = StackCommand.stackDefinition()
                .define(
                        DATA,
                        Type.STRING,
                        "",
                        Importance.HIGH,
                        "Images to send: a folder tree (labels from sub-folders) or a tar/tar.gz/WebDataset shard. "
                                + "Empty: the CIFAR-10 sample shipped in data/cifar10-sample/train.tar.gz, and "
                                + "the trainer warm-starts from the network shipped in data/warm-start/.")
                .define(
                        PROBE,
                        Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "Labelled images for the trainer's online k-NN probe. Empty: the shipped "
                                + "data/cifar10-sample/test.tar.gz when --data is empty, no probe otherwise.")
                .define(
                        RATE,
                        Type.DOUBLE,
                        25.0,
                        Range.atLeast(0),
                        Importance.MEDIUM,
                        "Images per second sent (25 leaves two cores enough for training and serving); 0 sends as fast as possible.")
                .define(
                        LOOPS,
                        Type.INT,
                        0,
                        Range.atLeast(0),
                        Importance.MEDIUM,
                        "Times the data is sent; 0 loops until stopped (a live stream that repeats).")
                .define(
                        BOOTSTRAP_SERVERS,
                        Type.STRING,
                        "",
                        Importance.HIGH,
                        "Your Kafka cluster. Empty: start the local stack (stack.* settings), or use the one "
                                + "already running from stack.dir. Security settings go as --kafka.security.protocol ...")
                .define(
                        REGISTRY_URL,
                        Type.STRING,
                        "",
                        Importance.HIGH,
                        "Your Confluent-compatible schema registry (required with bootstrap.servers).");
        return ConsoleSettings.defineLongRunning(
                ClientSettings.defineCredentials(def)
                        .define(
                                TOPIC_PREFIX,
                                Type.STRING,
                                "extrema.",
                                Importance.MEDIUM,
                                "Topic names are this prefix + images, embeddings, models, metrics, monitor, alerts, dlq.*.")
                        .define(
                                WORK_DIR,
                                Type.STRING,
                                ".extrema/demo",
                                Importance.MEDIUM,
                                "Trainer checkpoints and Kafka Streams state. A second run resumes from its checkpoint; "
                                        + "delete it (and stack.dir) to start over.")
                        .define(
                                DASHBOARD_PORT,
                                Type.INT,
                                8090,
                                Range.between(0, 65535),
                                Importance.MEDIUM,
                                "Dashboard port on 127.0.0.1; 0 picks a free one."),
                name());
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        AbstractConfig settings = invocation.settings();
        PrintStream out = invocation.out();
        String bootstrap = settings.getString(BOOTSTRAP_SERVERS);
        String registry = settings.getString(REGISTRY_URL);
        if (bootstrap.isBlank() != registry.isBlank()) {
            throw new io.extrema.ops.cli.UsageException(
                    "give both --" + BOOTSTRAP_SERVERS + " and --" + REGISTRY_URL + ", or neither for the local stack");
        }
        StackSettings stackSettings = bootstrap.isBlank() ? StackCommand.stackSettings(settings) : null;
        String kafka = stackSettings != null ? stackSettings.bootstrapServers() : bootstrap;
        String schemaRegistry = stackSettings != null ? stackSettings.registryUrl() : registry;
        // Every setting checked before anything starts.
        Demo.Plan plan = plan(invocation, kafka, schemaRegistry);
        // Ctrl-C / SIGTERM, also while starting: the status lines stop, then the demo's parts, then the stack;
        // "Stopped." comes last.
        Termination.runUntilSignal(termination -> {
            termination.own(() -> out.println("Stopped."));
            if (stackSettings != null) startStack(stackSettings, termination, out);
            out.println("Starting trainer, serving, monitor and dashboard; sending " + plan.data()
                    + (plan.probe() != null ? " (probe set " + plan.probe() + ")" : "") + " ...");
            Demo demo = termination.own(new Demo(plan).start());
            printEndpoints(out, demo, plan);
            String url = demo.dashboardUrl();
            StatusLine status = StatusLine.start(invocation, () -> url + "  | " + demo.status());
            termination.own(() -> {
                status.close();
                out.println(
                        "Stopping: the trainer (checkpoint), ingest, dashboard, monitor, serving, then the stack ...");
            });
        });
        return 0;
    }

    /**
     * The local stack: the one {@code extrema stack start} left running, or one of our own, stopped last (after the
     * trainer's checkpoint and commit) through {@code termination}.
     */
    private static void startStack(StackSettings stackSettings, Termination termination, PrintStream out) {
        if (LocalStack.detachedRunning(stackSettings)) {
            // started by `extrema stack start`: use it, bringing back a service that died
            LocalStack.startDetached(stackSettings, List.of());
            out.println("Using the local stack already running from " + stackSettings.stateDir());
        } else {
            out.println("Starting the local stack (Kafka broker + schema registry) in " + stackSettings.stateDir()
                    + " ...");
            termination.own(
                    LocalStack.start(stackSettings, List.<TopicSpec>of()).closedByOwnerOnly());
        }
    }

    private static void printEndpoints(PrintStream out, Demo demo, Demo.Plan plan) throws InterruptedException {
        DemoTopics topics = plan.topics();
        out.println();
        out.println("  Dashboard        " + demo.dashboardUrl());
        out.println("  Kafka            bootstrap.servers=" + plan.bootstrapServers());
        out.println("  Schema registry  schema.registry.url=" + plan.registryUrl());
        out.println("  Topics           " + topics.images() + " -> " + topics.embeddings() + ", " + topics.models()
                + ", " + topics.metrics() + ", " + topics.monitor() + ", " + topics.alerts() + ", " + topics.prefix()
                + "dlq.*");
        out.println("  Prometheus       " + demo.prometheusEndpoints());
        out.println("  Work dir         " + plan.workDir());
        out.println("Ctrl-C stops everything.");
        out.println();
    }

    /** What the demo runs, from its settings: the data (the shipped sample by default), topics, credentials. */
    public Demo.Plan plan(Invocation invocation, String bootstrap, String registry) {
        AbstractConfig settings = invocation.settings();
        Path data;
        Path probe = null;
        Map<String, String> trainerSettings = trainer;
        if (settings.getString(DATA).isBlank()) {
            Path sample = SampleData.require();
            data = sample.resolve("train.tar.gz");
            probe = sample.resolve("test.tar.gz");
            trainerSettings = withShippedWarmStart(trainer);
            if (settings.getString(PROBE).isBlank()) trainerSettings = withShippedProbeBank(trainerSettings, data);
        } else {
            data = Path.of(settings.getString(DATA)).toAbsolutePath();
            if (!Files.exists(data)) throw new io.extrema.ops.cli.UsageException("--data " + data + " does not exist");
        }
        if (!settings.getString(PROBE).isBlank())
            probe = Path.of(settings.getString(PROBE)).toAbsolutePath();
        return new Demo.Plan(
                bootstrap,
                registry,
                invocation.kafkaOverrides(),
                ClientSettings.credentials(settings),
                new DemoTopics(settings.getString(TOPIC_PREFIX)),
                Path.of(settings.getString(WORK_DIR)).toAbsolutePath(),
                data,
                probe,
                settings.getDouble(RATE),
                settings.getInt(LOOPS),
                settings.getInt(DASHBOARD_PORT),
                trainerSettings,
                Map.of(),
                Map.of());
    }

    /**
     * On the shipped sample the probe's 500 test images are all queries against the 2,000 labelled training images
     * the demo streams: one query is 0.2 points, where half the test images as bank and half as queries made it
     * 0.4, too coarse to tell a probe that holds from one that dips.
     */
    static Map<String, String> withShippedProbeBank(Map<String, String> trainer, Path trainImages) {
        Map<String, String> out = new HashMap<>(trainer);
        out.putIfAbsent(TrainerConfig.PROBE_BANK_DIR, trainImages.toString());
        out.putIfAbsent(TrainerConfig.PROBE_MAX_IMAGES, "2000");
        return Map.copyOf(out);
    }

    /**
     * On the shipped sample the trainer warm-starts ({@value TrainerConfig#INIT}) from the network the project
     * trained on CIFAR-10, so the probe and the embedding map show class structure from the first minute rather
     * than a random network's dip; a run that sets its own {@code init} or model settings starts as it says.
     */
    static Map<String, String> withShippedWarmStart(Map<String, String> trainer) {
        boolean ownModel = trainer.keySet().stream()
                .anyMatch(k -> k.equals(TrainerConfig.INIT) || k.startsWith(TrainerConfig.MODEL_PREFIX));
        if (ownModel) return trainer;
        Map<String, String> out = new HashMap<>(trainer);
        out.put(TrainerConfig.INIT, SampleData.warmStart().toString());
        return Map.copyOf(out);
    }
}
