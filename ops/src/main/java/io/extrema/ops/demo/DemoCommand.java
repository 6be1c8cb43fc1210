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
import java.util.ArrayList;
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
        List<AutoCloseable> started = new ArrayList<>(); // closed last first
        String bootstrap = settings.getString(BOOTSTRAP_SERVERS);
        String registry = settings.getString(REGISTRY_URL);
        if (bootstrap.isBlank() != registry.isBlank()) {
            throw new io.extrema.ops.cli.UsageException(
                    "give both --" + BOOTSTRAP_SERVERS + " and --" + REGISTRY_URL + ", or neither for the local stack");
        }
        StackSettings stackSettings = bootstrap.isBlank() ? StackCommand.stackSettings(settings) : null;
        if (stackSettings != null) {
            bootstrap = stackSettings.bootstrapServers();
            registry = stackSettings.registryUrl();
        }
        // Every setting checked before anything starts.
        Demo.Plan plan = plan(invocation, bootstrap, registry);
        DemoTopics topics = plan.topics();
        Path data = plan.data();
        Path probe = plan.probe();
        if (stackSettings != null) {
            if (LocalStack.detachedRunning(stackSettings)) {
                // started by `extrema stack start`: use it, bringing back a service that died
                LocalStack.startDetached(stackSettings, List.of());
                out.println("Using the local stack already running from " + stackSettings.stateDir());
            } else {
                out.println("Starting the local stack (Kafka broker + schema registry) in " + stackSettings.stateDir()
                        + " ...");
                // Stopped last by our own shutdown hook, after the trainer's checkpoint and commit.
                started.add(
                        LocalStack.start(stackSettings, List.<TopicSpec>of()).closedByOwnerOnly());
            }
        }

        out.println("Starting trainer, serving, monitor and dashboard; sending " + data
                + (probe != null ? " (probe set " + probe + ")" : "") + " ...");
        Demo demo;
        try {
            demo = new Demo(plan).start();
        } catch (Exception e) {
            Termination.closeAll(started);
            throw e;
        }
        started.add(demo);
        out.println();
        out.println("  Dashboard        " + demo.dashboardUrl());
        out.println("  Kafka            bootstrap.servers=" + bootstrap);
        out.println("  Schema registry  schema.registry.url=" + registry);
        out.println("  Topics           " + topics.images() + " -> " + topics.embeddings() + ", " + topics.models()
                + ", " + topics.metrics() + ", " + topics.monitor() + ", " + topics.alerts() + ", " + topics.prefix()
                + "dlq.*");
        out.println("  Prometheus       " + demo.prometheusEndpoints());
        out.println("  Work dir         " + plan.workDir());
        out.println("Ctrl-C stops everything.");
        out.println();

        String url = demo.dashboardUrl();
        StatusLine status = StatusLine.start(invocation, () -> url + "  | " + demo.status());
        started.add(() -> {
            status.close();
            out.println("Stopping: the trainer (checkpoint), ingest, dashboard, monitor, serving, then the stack ...");
        });
        // Ctrl-C / SIGTERM: the status lines stop, then the demo's parts, then the stack; "Stopped." comes last.
        started.add(0, () -> out.println("Stopped."));
        Termination.awaitSignal(started);
        return 0;
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
