package io.extrema.ops.demo;

import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceOptions;
import io.extrema.ingest.ImagePublisher;
import io.extrema.ingest.IngestConfig;
import io.extrema.ingest.IngestStats;
import io.extrema.ingest.Ingestor;
import io.extrema.ingest.Progress;
import io.extrema.ops.cli.Termination;
import io.extrema.ops.dashboard.DashboardConfig;
import io.extrema.ops.dashboard.DashboardServer;
import io.extrema.schemas.ClientSettings;
import io.extrema.serving.app.EmbeddingService;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.live.ModelId;
import io.extrema.serving.monitor.MonitorConfig;
import io.extrema.serving.monitor.MonitorService;
import io.extrema.trainer.StreamingTrainer;
import io.extrema.trainer.config.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole system in one process, on any Kafka cluster and Confluent-compatible registry: the topics, the
 * streaming trainer, the embedding service (live model swaps), the monitor topology, the dashboard and an ingest
 * loop sending a labelled image set. Each part is the same class its own command runs ({@code extrema train},
 * {@code serve}, {@code monitor}, {@code dashboard}, {@code ingest}), configured through its own declared settings;
 * the demo only chooses values. {@link #close()} stops the trainer first (it finishes its step and checkpoints it
 * while everything it needs is up), then the other parts in reverse order of starting, ingest first.
 */
public final class Demo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
    private static final int DEMO_SESSION_TIMEOUT_MS = 10_000;
    // A restarted trainer opens its endpoint after restoring its checkpoint and replay buffer (seconds).
    private static final Duration TRAINER_ENDPOINT_WAIT = Duration.ofSeconds(30);

    /**
     * What to run and where.
     *
     * @param bootstrapServers  Kafka
     * @param registryUrl       schema registry (Confluent REST API)
     * @param kafka             extra client settings for every Kafka client (security, SASL, SSL), unprefixed
     * @param registryAuth      the registry credentials ({@link ClientSettings#credentials}), handed to every part
     * @param topics            topic names
     * @param workDir           checkpoints and Kafka Streams state
     * @param data              folder or tar of images to send
     * @param probe             labelled folder or tar for the trainer's online k-NN probe; null for none
     * @param rate              images/s sent (0 = as fast as possible)
     * @param loops             times the data is sent (0 = until stopped)
     * @param dashboardPort     0 picks a free port
     * @param trainer           trainer settings on top of the demo's (model.*, intervals, max.steps...)
     * @param serving           serving settings on top of the demo's
     * @param monitor           monitor settings on top of the demo's
     */
    public record Plan(
            String bootstrapServers,
            String registryUrl,
            Map<String, Object> kafka,
            Map<String, Object> registryAuth,
            DemoTopics topics,
            Path workDir,
            Path data,
            Path probe,
            double rate,
            int loops,
            int dashboardPort,
            Map<String, String> trainer,
            Map<String, String> serving,
            Map<String, String> monitor) {
        public Plan {
            kafka = Map.copyOf(kafka);
            registryAuth = Map.copyOf(registryAuth);
            trainer = Map.copyOf(trainer);
            serving = Map.copyOf(serving);
            monitor = Map.copyOf(monitor);
        }
    }

    private final Plan plan;
    /** Every part but the trainer, in order of starting. */
    private final List<AutoCloseable> opened = new ArrayList<>();

    private StreamingTrainer trainer;
    private Thread trainerThread;
    private volatile Throwable trainerFailure;
    private EmbeddingService serving;
    private MonitorService monitor;
    private DashboardServer dashboard;
    private DemoProgress progress;
    private final IngestStats ingestStats = new IngestStats();

    public Demo(Plan plan) {
        this.plan = plan;
    }

    /** Starts every part; on a failure, closes what was started and rethrows. */
    public Demo start() throws Exception {
        try {
            plan.topics().create(clientConfig());
            startTrainer();
            startServing();
            startMonitor();
            startDashboard();
            progress = new DemoProgress(plan.topics(), clientConfig(), serdeConfig()).start();
            opened.add(progress);
            startIngest();
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** The streaming trainer on its own thread; closing it finishes the step, checkpoints and commits. */
    private void startTrainer() {
        StreamingTrainer trainer = new StreamingTrainer(trainerConfig());
        this.trainer = trainer;
        trainerThread = new Thread(
                () -> {
                    try {
                        trainer.run();
                    } catch (Throwable t) {
                        trainerFailure = t;
                        LOG.error("the trainer stopped with an error", t);
                    }
                },
                "demo-trainer");
        trainerThread.start();
    }

    /** The trainer's settings: the demo's choices, then {@link Plan#trainer()}. */
    public TrainerConfig trainerConfig() {
        Map<String, Object> s = partSettings();
        groupMemberKafka().forEach((k, v) -> s.put(TrainerConfig.KAFKA_PREFIX + k, v));
        s.put(TrainerConfig.GROUP_ID, plan.topics().prefix() + "demo-trainer");
        s.put(TrainerConfig.TOPIC_IMAGES, plan.topics().images());
        s.put(TrainerConfig.TOPIC_MODELS, plan.topics().models());
        s.put(TrainerConfig.TOPIC_METRICS, plan.topics().metrics());
        s.put(TrainerConfig.TOPIC_DLQ, plan.topics().dlqTrainer());
        s.put(
                TrainerConfig.CHECKPOINT_DIR,
                plan.workDir().resolve("checkpoints").toString());
        // A demo should show the model moving: a version a minute (or every 50 steps), metrics every few steps.
        s.put(TrainerConfig.VERSION_INTERVAL_STEPS, "50");
        s.put(TrainerConfig.VERSION_INTERVAL_MINUTES, "1");
        s.put(TrainerConfig.METRICS_INTERVAL_STEPS, "5");
        s.put(TrainerConfig.CHECKPOINT_INTERVAL_STEPS, "100");
        // Serving, the monitor and the broker share the cores: one decode worker keeps up with a demo's rate.
        s.put(TrainerConfig.DECODE_THREADS, "1");
        s.put(TrainerConfig.PROMETHEUS_PORT, "0");
        if (plan.probe() != null) {
            s.put(TrainerConfig.PROBE_DIR, plan.probe().toString());
            s.put(TrainerConfig.PROBE_INTERVAL_STEPS, "50");
        }
        s.putAll(plan.trainer());
        return new TrainerConfig(s);
    }

    /** Embeds every image at once with a fresh network (model version 0), then with each version the trainer publishes. */
    private void startServing() throws Exception {
        serving = new EmbeddingService(servingConfig());
        opened.add(serving);
        serving.start();
    }

    /** The embedding service's settings: the demo's choices, then {@link Plan#serving()}. */
    public ServingConfig servingConfig() {
        Map<String, Object> s = partSettings();
        groupMemberKafka().forEach((k, v) -> s.put(ServingConfig.KAFKA_PREFIX + k, v));
        s.put(ServingConfig.APPLICATION_ID, plan.topics().prefix().replace('.', '-') + "demo-serving");
        s.put(ServingConfig.IMAGES_TOPIC, plan.topics().images());
        s.put(ServingConfig.EMBEDDINGS_TOPIC, plan.topics().embeddings());
        s.put(ServingConfig.MODELS_TOPIC, plan.topics().models());
        s.put(ServingConfig.DLQ_TOPIC, plan.topics().dlqServing());
        s.put(ServingConfig.STATE_DIR, plan.workDir().resolve("serving-state").toString());
        // Fresh, not wait: serving starts before ingest, and waiting would hold the images the first version needs.
        s.put(ServingConfig.MODEL_START, ServingConfig.START_FRESH);
        s.put(ServingConfig.METRICS_PORT, "0");
        s.putAll(plan.serving());
        return new ServingConfig(s);
    }

    /** Embedding statistics per source and window, and alerts; short windows so a demo sees them soon. */
    private void startMonitor() throws Exception {
        monitor = new MonitorService(monitorConfig());
        opened.add(monitor);
        monitor.start();
    }

    /** The monitor's settings: the demo's choices, then {@link Plan#monitor()}. */
    public MonitorConfig monitorConfig() {
        Map<String, Object> s = partSettings();
        s.putAll(groupMemberKafka()); // the monitor hands undeclared settings to Kafka Streams as they are
        s.put(MonitorConfig.APPLICATION_ID, plan.topics().prefix().replace('.', '-') + "demo-monitor");
        s.put(MonitorConfig.STATE_DIR, plan.workDir().resolve("monitor-state").toString());
        s.put(MonitorConfig.EMBEDDINGS_TOPIC, plan.topics().embeddings());
        s.put(MonitorConfig.DLQ_TOPIC, plan.topics().dlqServing());
        s.put(MonitorConfig.METRICS_TOPIC, plan.topics().metrics());
        s.put(MonitorConfig.MONITOR_TOPIC, plan.topics().monitor());
        s.put(MonitorConfig.ALERTS_TOPIC, plan.topics().alerts());
        s.put(MonitorConfig.MONITOR_DLQ_TOPIC, plan.topics().dlqMonitor());
        s.put(MonitorConfig.WINDOW_SIZE_MS, "10000");
        // Embeddings of the four image partitions reach the monitor slightly out of order: 10 s of grace keeps
        // them in their windows on a loaded machine.
        s.put(MonitorConfig.WINDOW_GRACE_MS, "10000");
        s.put(MonitorConfig.PROMETHEUS_HOST, "127.0.0.1");
        s.put(MonitorConfig.PROMETHEUS_PORT, "0");
        s.putAll(plan.monitor());
        return new MonitorConfig(s);
    }

    private void startDashboard() throws Exception {
        dashboard = new DashboardServer(dashboardConfig(), new HashMap<>(plan.kafka()));
        opened.add(dashboard);
        dashboard.start();
    }

    /** The dashboard's settings. */
    public DashboardConfig dashboardConfig() {
        Map<String, Object> s = partSettings();
        s.put(DashboardConfig.PORT, String.valueOf(plan.dashboardPort()));
        s.put(DashboardConfig.METRICS_TOPIC, plan.topics().metrics());
        s.put(DashboardConfig.MONITOR_TOPIC, plan.topics().monitor());
        s.put(DashboardConfig.ALERTS_TOPIC, plan.topics().alerts());
        s.put(DashboardConfig.MODELS_TOPIC, plan.topics().models());
        s.put(DashboardConfig.EMBEDDINGS_TOPIC, plan.topics().embeddings());
        s.put(DashboardConfig.IMAGES_TOPIC, plan.topics().images());
        return new DashboardConfig(s);
    }

    /** Sends the data set {@code loops} times at {@code rate}, on its own thread; refusals go to the ingest DLQ. */
    private void startIngest() {
        IngestConfig config = ingestConfig();
        ImagePublisher publisher = ImagePublisher.create(config);
        opened.add(publisher);
        Ingestor ingestor = new Ingestor(config, publisher, ingestStats);
        String source = config.getString(IngestConfig.SOURCE_NAME);
        SourceOptions options = SourceOptions.defaults()
                .withMaxEntryBytes(config.getLong(IngestConfig.MAX_BYTES))
                .withOnSkipped(entry -> ingestor.skipped(entry, source));
        Thread sender = new Thread(
                () -> {
                    try {
                        ingestor.run(
                                () -> ImageSources.open(plan.data(), options),
                                source,
                                plan.loops(),
                                new Progress(new PrintStream(PrintStream.nullOutputStream()), true, -1, ingestStats));
                    } catch (InterruptedException e) {
                        Thread.interrupted(); // stopped: what the producer holds still goes out before it closes
                        publisher.flush();
                    } catch (Exception e) {
                        LOG.error("ingest of {} stopped: {}", plan.data(), e.toString());
                    }
                },
                "demo-ingest");
        sender.start();
        opened.add(() -> {
            sender.interrupt();
            sender.join(30_000);
        });
    }

    /** The ingest loop's settings. */
    public IngestConfig ingestConfig() {
        Map<String, Object> s = partSettings();
        plan.kafka().forEach((k, v) -> s.put(IngestConfig.KAFKA_PREFIX + k, v));
        s.put(IngestConfig.TOPIC, plan.topics().images());
        s.put(IngestConfig.DLQ_TOPIC, plan.topics().dlqIngest());
        s.put(IngestConfig.SOURCE_NAME, plan.data().getFileName().toString());
        s.put(IngestConfig.RATE, String.valueOf(plan.rate()));
        return new IngestConfig(s);
    }

    /** What every part's settings start with: the cluster, the registry and its credentials, as each declares them. */
    private Map<String, Object> partSettings() {
        Map<String, Object> s = new HashMap<>(plan.registryAuth());
        s.put(ClientSettings.BOOTSTRAP_SERVERS, plan.bootstrapServers());
        s.put(ClientSettings.SCHEMA_REGISTRY_URL, plan.registryUrl());
        return s;
    }

    /**
     * Kafka settings of the parts that join a consumer group (trainer, serving, monitor), the user's on top. A demo
     * killed with its broker and started again found its groups still holding the dead members: each part waited
     * out their 45 s session (Kafka's default) before it got its partitions back. On one machine with a local broker
     * there is no network to ride out, so 10 s.
     */
    private Map<String, Object> groupMemberKafka() {
        Map<String, Object> k = new HashMap<>();
        k.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, DEMO_SESSION_TIMEOUT_MS);
        k.putAll(plan.kafka());
        return k;
    }

    /** Settings of a plain Kafka client (admin, consumer) of this cluster. */
    private Map<String, Object> clientConfig() {
        Map<String, Object> c = new HashMap<>(plan.kafka());
        c.put(ClientSettings.BOOTSTRAP_SERVERS, plan.bootstrapServers());
        return c;
    }

    /** The status line's deserializers: the registry and its credentials. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> c = new HashMap<>(plan.registryAuth());
        c.put(ClientSettings.SCHEMA_REGISTRY_URL, plan.registryUrl());
        return c;
    }

    public String dashboardUrl() {
        return dashboard.url();
    }

    /** One line: images sent, then what the topics show (training, versions, embeddings, monitor, dead letters). */
    public String status() {
        String trainerState = trainerFailure != null
                ? "  | TRAINER FAILED: " + trainerFailure
                : trainerThread.isAlive() ? "" : "  | trainer stopped";
        return "images sent " + ingestStats.sent()
                + (ingestStats.refusedTotal() > 0 ? " (refused " + ingestStats.refusedTotal() + ")" : "") + "  | "
                + progress.line() + trainerState;
    }

    /** The Prometheus endpoints of the parts, for the banner (-1: not open; the trainer's waited for a while). */
    public String prometheusEndpoints() throws InterruptedException {
        return "trainer :" + trainer.prometheusPort(TRAINER_ENDPOINT_WAIT) + ", serving :"
                + serving.metricsPort().orElse(-1) + ", monitor :" + monitor.prometheusPort()
                + " (/metrics on 127.0.0.1)";
    }

    /** The model version serving embeds with now (version 0: the fresh network it started with). */
    public Optional<ModelId> servingModel() {
        return serving.liveModel().id();
    }

    /** Waits until the trainer's loop has returned (max.steps reached, or stopped). */
    public boolean awaitTrainer(Duration timeout) throws InterruptedException {
        trainerThread.join(timeout.toMillis());
        return !trainerThread.isAlive();
    }

    /** The error the trainer stopped with, if any. */
    public Throwable trainerFailure() {
        return trainerFailure;
    }

    /**
     * Stops every part, each even when another fails: the trainer first, waiting while it finishes its step,
     * checkpoints it and commits (the other parts do not need it, and it needs the broker, which its owner stops
     * only after this); then the rest, last started first.
     */
    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>(opened);
        if (trainer != null) {
            parts.add(trainer); // closed first
        }
        opened.clear(); // closing again only waits for the trainer, which has stopped
        Termination.closeAll(parts);
    }
}
