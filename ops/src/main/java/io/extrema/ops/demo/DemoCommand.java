package io.extrema.ops.demo;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.stack.StackCommand;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

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
    public static final String BASIC_AUTH_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String WORK_DIR = "work.dir";
    public static final String DASHBOARD_PORT = "dashboard.port";
    public static final String STATUS_SECONDS = "status.interval.seconds";

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
        return new ConfigDef(new StackCommand().settings())
                .define(DATA, Type.STRING, "", Importance.HIGH,
                        "Images to send: a folder tree (labels from sub-folders) or a tar/tar.gz/WebDataset shard. "
                                + "Empty: the CIFAR-10 sample shipped in data/cifar10-sample/train.tar.gz.")
                .define(PROBE, Type.STRING, "", Importance.MEDIUM,
                        "Labelled images for the trainer's online k-NN probe. Empty: the shipped "
                                + "data/cifar10-sample/test.tar.gz when --data is empty, no probe otherwise.")
                .define(RATE, Type.DOUBLE, 25.0, Range.atLeast(0), Importance.MEDIUM,
                        "Images per second sent (25 leaves two cores enough for training and serving); 0 sends as fast as possible.")
                .define(LOOPS, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                        "Times the data is sent; 0 loops until stopped (a live stream that repeats).")
                .define(BOOTSTRAP_SERVERS, Type.STRING, "", Importance.HIGH,
                        "Your Kafka cluster. Empty: start the local stack (stack.* settings), or use the one "
                                + "already running from stack.dir. Security settings go as --kafka.security.protocol ...")
                .define(REGISTRY_URL, Type.STRING, "", Importance.HIGH,
                        "Your Confluent-compatible schema registry (required with bootstrap.servers).")
                .define(BASIC_AUTH_SOURCE, Type.STRING, "", Importance.LOW,
                        "Schema registry credentials source: USER_INFO to send basic.auth.user.info.")
                .define(BASIC_AUTH_USER_INFO, Type.PASSWORD, "", Importance.LOW, "Schema registry user:password.")
                .define(TOPIC_PREFIX, Type.STRING, "extrema.", Importance.MEDIUM,
                        "Topic names are this prefix + images, embeddings, models, metrics, monitor, alerts, dlq.*.")
                .define(WORK_DIR, Type.STRING, ".extrema/demo", Importance.MEDIUM,
                        "Trainer checkpoints and Kafka Streams state. A second run resumes from its checkpoint; "
                                + "delete it (and stack.dir) to start over.")
                .define(DASHBOARD_PORT, Type.INT, 8090, Range.between(0, 65535), Importance.MEDIUM,
                        "Dashboard port on 127.0.0.1; 0 picks a free one.")
                .define(STATUS_SECONDS, Type.INT, 5, Range.atLeast(1), Importance.LOW,
                        "Seconds between status lines.");
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        AbstractConfig settings = invocation.settings();
        PrintStream out = invocation.out();
        List<AutoCloseable> started = new ArrayList<>(); // closed last first
        String bootstrap = settings.getString(BOOTSTRAP_SERVERS);
        String registry = settings.getString(REGISTRY_URL);
        if (bootstrap.isBlank() != registry.isBlank()) {
            throw new io.extrema.ops.cli.UsageException("give both --" + BOOTSTRAP_SERVERS + " and --" + REGISTRY_URL
                    + ", or neither for the local stack");
        }
        if (bootstrap.isBlank()) {
            StackSettings stackSettings = StackCommand.stackSettings(settings);
            if (LocalStack.status(stackSettings).allUp()) {
                out.println("Using the local stack already running from " + stackSettings.stateDir());
            } else {
                out.println("Starting the local stack (Kafka broker + schema registry) in " + stackSettings.stateDir() + " ...");
                LocalStack stack = LocalStack.start(stackSettings, List.<TopicSpec>of());
                started.add(stack);
            }
            bootstrap = stackSettings.bootstrapServers();
            registry = stackSettings.registryUrl();
        }

        Path data;
        Path probe = null;
        if (settings.getString(DATA).isBlank()) {
            Path sample = SampleData.require();
            data = sample.resolve("train.tar.gz");
            probe = sample.resolve("test.tar.gz");
        } else {
            data = Path.of(settings.getString(DATA)).toAbsolutePath();
            if (!Files.exists(data)) throw new io.extrema.ops.cli.UsageException("--data " + data + " does not exist");
        }
        if (!settings.getString(PROBE).isBlank()) probe = Path.of(settings.getString(PROBE)).toAbsolutePath();

        Map<String, String> registryAuth = new HashMap<>();
        if (!settings.getString(BASIC_AUTH_SOURCE).isBlank()) {
            registryAuth.put(BASIC_AUTH_SOURCE, settings.getString(BASIC_AUTH_SOURCE));
        }
        Password userInfo = settings.getPassword(BASIC_AUTH_USER_INFO);
        if (userInfo != null && !userInfo.value().isBlank()) registryAuth.put(BASIC_AUTH_USER_INFO, userInfo.value());

        DemoTopics topics = new DemoTopics(settings.getString(TOPIC_PREFIX));
        Demo.Plan plan = new Demo.Plan(bootstrap, registry, invocation.kafkaOverrides(), registryAuth, topics,
                Path.of(settings.getString(WORK_DIR)).toAbsolutePath(), data, probe, settings.getDouble(RATE),
                settings.getInt(LOOPS), settings.getInt(DASHBOARD_PORT), Map.of(), Map.of(), Map.of());
        out.println("Starting trainer, serving, monitor and dashboard; sending " + data
                + (probe != null ? " (probe set " + probe + ")" : "") + " ...");
        Demo demo;
        try {
            demo = new Demo(plan).start();
        } catch (Exception e) {
            closeAll(started);
            throw e;
        }
        started.add(demo);
        out.println();
        out.println("  Dashboard        " + demo.dashboardUrl());
        out.println("  Kafka            bootstrap.servers=" + bootstrap);
        out.println("  Schema registry  schema.registry.url=" + registry);
        out.println("  Topics           " + topics.images() + " -> " + topics.embeddings() + ", " + topics.models()
                + ", " + topics.metrics() + ", " + topics.monitor() + ", " + topics.alerts() + ", " + topics.prefix() + "dlq.*");
        out.println("  Prometheus       " + demo.prometheusEndpoints());
        out.println("  Work dir         " + plan.workDir());
        out.println("Ctrl-C stops everything.");
        out.println();

        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-status");
            t.setDaemon(true);
            return t;
        });
        int every = settings.getInt(STATUS_SECONDS);
        String url = demo.dashboardUrl();
        ticker.scheduleAtFixedRate(() -> out.println(url + "  | " + demo.status()), every, every, TimeUnit.SECONDS);
        started.add(ticker::shutdownNow);

        // Ctrl-C / SIGTERM: stop the status lines, then the demo's parts, then the stack.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping: ingest, dashboard, monitor, serving, trainer (checkpoint), then the stack ...");
            closeAll(started);
            out.println("Stopped.");
            stopped.countDown();
        }, "extrema-demo-shutdown"));
        stopped.await();
        return 0;
    }

    private static void closeAll(List<AutoCloseable> started) {
        List<AutoCloseable> reversed = new ArrayList<>(started);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("error while stopping " + c + ": " + e);
            }
        }
    }
}
