package io.extrema.trainer;

import io.extrema.model.Embedder;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.Seeds;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.trainer.batch.BatchFeed;
import io.extrema.trainer.checkpoint.Lineage;
import io.extrema.trainer.checkpoint.TrainerState;
import io.extrema.trainer.config.TrainerConfig;
import io.extrema.trainer.intake.DeadLetterSink;
import io.extrema.trainer.intake.ImageIntake;
import io.extrema.trainer.intake.IntakeCounters;
import io.extrema.trainer.intake.IntakeState;
import io.extrema.trainer.metrics.MetricsInterval;
import io.extrema.trainer.metrics.PrometheusEndpoint;
import io.extrema.trainer.metrics.TrainerSamples;
import io.extrema.trainer.metrics.TrainingProgress;
import io.extrema.trainer.offsets.OffsetLedger;
import io.extrema.trainer.probe.OnlineProbe;
import io.extrema.trainer.publish.MetricsPublisher;
import io.extrema.trainer.publish.ModelVersionPublisher;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming trainer: images topic → decode workers → replay buffer → ExtreMA steps → models and metrics topics,
 * with checkpoints that carry the offsets they reflect.
 *
 * <p>This class wires the parts together and owns their lifecycle; the {@link TrainingLoop} trains. The training
 * thread only steps: decoding happens on the intake's workers, augmentation and staging the batch on the device on
 * the batch feed's, so when images are available a batch is waiting on the device. Between steps it publishes metrics and model versions and writes checkpoints;
 * because a checkpoint is taken between steps, the offsets it stores are exactly the records its weights reflect,
 * and only those are ever committed to Kafka.
 */
public final class StreamingTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamingTrainer.class);
    /** Format identifier of published weights: what {@link Embedder#load} reads. */
    public static final String WEIGHTS_FORMAT = Embedder.KIND;

    private static final Duration SCAN_TIMEOUT = Duration.ofSeconds(60);
    /** Upper bound on a graceful stop: one step, one checkpoint, one commit. */
    private static final long STOP_SECONDS = 120;

    private final TrainerConfig config;
    private final ExtremaConfig modelConfig;
    private final String modelName;
    private final IntakeCounters counters = new IntakeCounters();
    private final CountDownLatch finished = new CountDownLatch(1);
    // Counted down once the endpoint is open or known not to be: after a restart the trainer restores its
    // checkpoint and replay buffer first, and a caller asking at once would see no port.
    private final CountDownLatch endpointSettled = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean stopRequested;
    private volatile PrometheusEndpoint prometheus;
    /** Set once training starts; read by {@link #status()} from another thread. */
    private volatile ReplayBuffer replayBuffer;
    /** The last metrics record published; null before the first. */
    private volatile TrainingMetrics latestMetrics;

    public StreamingTrainer(TrainerConfig config) {
        this.config = config;
        this.modelConfig = config.modelConfig();
        this.modelName = config.getString(TrainerConfig.MODEL_NAME);
        if (config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES) < modelConfig.batchSize()) {
            throw new IllegalArgumentException(TrainerConfig.REPLAY_CAPACITY_IMAGES + " must hold at least one batch ("
                    + modelConfig.batchSize() + ")");
        }
    }

    /** Asks the training loop to finish its step, checkpoint, commit and return. Safe from any thread. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * What the trainer is doing, for a status line, safe from any thread.
     *
     * @param latest        the last metrics record published, null before the first
     * @param replayFill    images in the replay buffer
     * @param replayMinFill images the buffer holds before the first step
     * @param replayCapacity most images it holds
     * @param lag           records behind the end of the images topic
     */
    public record Status(TrainingMetrics latest, int replayFill, int replayMinFill, int replayCapacity, long lag) {}

    public Status status() {
        ReplayBuffer buffer = replayBuffer;
        int capacity = config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES);
        if (buffer == null) {
            return new Status(latestMetrics, 0, 0, capacity, counters.lag.get());
        }
        return new Status(
                latestMetrics, buffer.stats().size(), config.replayMinFill(modelConfig), capacity, counters.lag.get());
    }

    /** Port of the Prometheus endpoint, -1 when disabled or not started. */
    public int prometheusPort() {
        PrometheusEndpoint endpoint = prometheus;
        return endpoint == null ? -1 : endpoint.port();
    }

    /**
     * As {@link #prometheusPort()}, once the endpoint is open (or disabled, or the trainer ended), waiting at most
     * {@code timeout}.
     */
    public int prometheusPort(Duration timeout) throws InterruptedException {
        endpointSettled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return prometheusPort();
    }

    /** Trains until {@link #stop()} or {@code max.steps}; then checkpoints, commits and closes what it opened. */
    public void run() throws Exception {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a StreamingTrainer runs once");
        }
        try {
            train();
        } finally {
            endpointSettled.countDown();
            finished.countDown();
        }
    }

    /** Opens every part in the order data flows through them, trains, and closes them in reverse. */
    private void train() throws Exception {
        Map<String, Object> kafka = config.kafkaClientConfig();
        Map<String, Object> serde = config.serdeConfig();
        Lineage lineage = Lineage.open(config, modelConfig);
        TrainerState state = lineage.state();
        OffsetLedger ledger = new OffsetLedger();
        ledger.restore(state.offsets());
        ModelVersionPublisher.Scan scan = ModelVersionPublisher.scan(
                kafka, serde, config.getString(TrainerConfig.TOPIC_MODELS), modelName, SCAN_TIMEOUT);
        long modelsUnreadable = scan.unreadable().total();
        IntakeState input = new IntakeState(replayBuffer(state, ledger), ledger, counters);
        replayBuffer = input.buffer();
        OnlineProbe probe = probe();
        TrainingProgress progress = new TrainingProgress(state.imagesTrained());

        try (PrometheusEndpoint endpoint =
                        prometheus(new TrainerSamples(() -> latestMetrics, input, modelsUnreadable));
                ExtremaTrainer trainer = lineage.network(scan.highestSeen());
                ModelVersionPublisher versions = new ModelVersionPublisher(
                        kafka,
                        serde,
                        config.getString(TrainerConfig.TOPIC_MODELS),
                        modelName,
                        config.getInt(TrainerConfig.VERSION_CHUNK_BYTES),
                        config.getInt(TrainerConfig.VERSION_KEEP),
                        liveVersions(state, scan),
                        Math.max(state.lastVersion(), scan.highestSeen()));
                MetricsPublisher metrics =
                        new MetricsPublisher(kafka, serde, config.getString(TrainerConfig.TOPIC_METRICS));
                DeadLetterSink deadLetters =
                        new DeadLetterSink(kafka, serde, config.getString(TrainerConfig.TOPIC_DLQ), ledger, counters);
                ImageIntake intake = new ImageIntake(
                        kafka,
                        serde,
                        config.getString(TrainerConfig.GROUP_ID),
                        config.getString(TrainerConfig.TOPIC_IMAGES),
                        ledger,
                        input.buffer(),
                        deadLetters,
                        counters,
                        new ImageIntake.Decoding(config.imageLimits(), config.replayStoreSide(modelConfig)),
                        config.getInt(TrainerConfig.DECODE_THREADS),
                        config.getInt(TrainerConfig.DECODE_QUEUE),
                        refillPerAssignment());
                BatchFeed feed = new BatchFeed(
                        input.buffer(),
                        new ViewAugmentation(AugmentationConfig.of(modelConfig)),
                        modelConfig.batchSize(),
                        config.getInt(TrainerConfig.DECODE_THREADS),
                        trainer.model().device(),
                        seedAt(state))) {
            intake.start();
            feed.start();
            log.info(
                    "training {} ({} on {}) from step {}, version {} next, replay {} x{}",
                    modelName,
                    config.getString(TrainerConfig.MODEL_PRESET),
                    trainer.model().device(),
                    trainer.appliedSteps(),
                    versions.nextVersion(),
                    config.replayPolicy().configName(),
                    config.getDouble(TrainerConfig.REPLAY_FACTOR));
            MetricsInterval interval = new MetricsInterval(
                    metrics,
                    m -> latestMetrics = m,
                    modelName,
                    input,
                    modelsUnreadable,
                    trainer.appliedSteps(),
                    progress);
            new TrainingLoop(
                            config,
                            lineage,
                            trainer,
                            progress,
                            feed,
                            intake,
                            input,
                            versions,
                            interval,
                            probe,
                            () -> stopRequested)
                    .run();
        }
    }

    /** The seed of this run's replay sampling and augmentation: a resumed run draws anew, not the start's again. */
    private long seedAt(TrainerState state) {
        return Seeds.derive(config.getLong(TrainerConfig.SEED), state.step());
    }

    private ReplayBuffer replayBuffer(TrainerState state, OffsetLedger ledger) {
        ReplayBuffer buffer = new ReplayBuffer(
                config.replayPolicy(),
                config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES),
                config.getLong(TrainerConfig.REPLAY_CAPACITY_BYTES),
                config.getDouble(TrainerConfig.REPLAY_FACTOR),
                config.replayMinFill(modelConfig),
                new Random(seedAt(state)),
                item -> ledger.settle(item.position()));
        buffer.restoreCredit(state.replayCredit());
        return buffer;
    }

    /** Images read back per partition at its first assignment; none under {@code fresh}, which trains each once. */
    private int refillPerAssignment() {
        return config.replayPolicy() == ReplayPolicy.FRESH ? 0 : config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES);
    }

    /** This lineage's versions still on the models topic: the checkpoint's, and those the scan found. */
    private static SortedMap<Long, Integer> liveVersions(TrainerState state, ModelVersionPublisher.Scan scan) {
        SortedMap<Long, Integer> live = new TreeMap<>(state.publishedVersions());
        live.putAll(scan.live());
        return live;
    }

    private OnlineProbe probe() throws IOException {
        String dir = config.getString(TrainerConfig.PROBE_DIR);
        if (dir.isBlank()) {
            return null;
        }
        String bank = config.getString(TrainerConfig.PROBE_BANK_DIR);
        int max = config.getInt(TrainerConfig.PROBE_MAX_IMAGES);
        EvalTransform transform = EvalTransform.whole(modelConfig.imageSize(), Normalisation.IMAGENET);
        return bank.isBlank()
                ? OnlineProbe.load(Path.of(dir), max, transform)
                : OnlineProbe.load(Path.of(dir), Path.of(bank), max, transform);
    }

    /** The Prometheus endpoint, or null when {@code prometheus.port} is -1. */
    private PrometheusEndpoint prometheus(TrainerSamples samples) throws IOException {
        int port = config.getInt(TrainerConfig.PROMETHEUS_PORT);
        if (port >= 0) {
            prometheus = new PrometheusEndpoint(port, samples);
            log.info("Prometheus metrics on http://127.0.0.1:{}/metrics", prometheus.port());
        }
        endpointSettled.countDown(); // if opening failed, run() counts it down as it ends
        return prometheus;
    }

    /**
     * The trainer's shutdown, for whoever owns it (a shutdown hook, the demo): asks the loop to stop and waits
     * while it finishes the step, writes the checkpoint of that last completed step, commits the offsets it
     * reflects and closes its clients (at most {@value #STOP_SECONDS} s). Returns at once if {@link #run()} never
     * started.
     */
    @Override
    public void close() throws InterruptedException {
        stop();
        if (started.get() && !finished.await(STOP_SECONDS, TimeUnit.SECONDS)) {
            log.error(
                    "the trainer did not stop within {} s; the last checkpoint may be older than its last step",
                    STOP_SECONDS);
        }
    }
}
