package io.extrema.trainer;

import ai.djl.Device;
import io.extrema.model.Checkpoint;
import io.extrema.model.ComputeDevice;
import io.extrema.model.Embedder;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.Seeds;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.FloatEmbeddings;
import io.extrema.model.StepResult;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.model.checkpoint.ConfigMismatchException;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.trainer.batch.BatchFeed;
import io.extrema.trainer.checkpoint.CheckpointStore;
import io.extrema.trainer.checkpoint.TrainerState;
import io.extrema.trainer.config.TrainerConfig;
import io.extrema.trainer.intake.DeadLetterSink;
import io.extrema.trainer.intake.ImageIntake;
import io.extrema.trainer.intake.IntakeCounters;
import io.extrema.trainer.metrics.ProcessMemory;
import io.extrema.trainer.metrics.PrometheusEndpoint;
import io.extrema.trainer.metrics.Sample;
import io.extrema.trainer.metrics.TrainerMetric;
import io.extrema.trainer.offsets.OffsetLedger;
import io.extrema.trainer.offsets.PartitionPosition;
import io.extrema.trainer.probe.OnlineProbe;
import io.extrema.trainer.publish.MetricsPublisher;
import io.extrema.trainer.publish.ModelVersionPublisher;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayItem;
import io.extrema.trainer.replay.ReplayPolicy;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The streaming trainer: images topic → decode workers → replay buffer → ExtreMA steps → models and metrics topics,
 * with checkpoints that carry the offsets they reflect.
 *
 * <p>The training thread only steps: decoding happens on the intake's workers and augmentation on the batch feed's,
 * so when images are available a batch is waiting. Between steps it publishes metrics and model versions and writes
 * checkpoints; because a checkpoint is taken between steps, the offsets it stores are exactly the records its
 * weights reflect, and only those are ever committed to Kafka.
 */
public final class StreamingTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamingTrainer.class);
    /** Format identifier of published weights: what {@link Embedder#load} reads. */
    public static final String WEIGHTS_FORMAT = Embedder.KIND;
    private static final Duration SCAN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
    private static final String MODEL_FILE = "extrema.ckpt";
    /** Upper bound on a graceful stop: one step, one checkpoint, one commit. */
    private static final long STOP_SECONDS = 120;

    private final TrainerConfig config;
    private final ExtremaConfig modelConfig;
    private final String modelName;
    private final CheckpointStore checkpoints;
    private final OffsetLedger ledger = new OffsetLedger();
    private final IntakeCounters counters = new IntakeCounters();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean stopRequested;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private PrometheusEndpoint prometheus;
    /** Models-topic records the start-up scan could not read (and skipped). */
    private volatile long modelsUnreadable;
    /** Set once training starts; read by {@link #status()} from another thread. */
    private volatile ReplayBuffer replayBuffer;
    private volatile int replayMinFill;
    /** The last metrics record published; null before the first. */
    private volatile TrainingMetrics latestMetrics;

    /** What the last step and interval showed; read by the Prometheus endpoint from another thread. */
    private record Snapshot(long step, double loss, double lr, double momentum, double embeddingStd, long skipped,
                            double consumedPerSec, double trainedPerSec, long modelVersion, double probeAccuracy,
                            ReplayBuffer.Stats replay) {
        static final Snapshot EMPTY = new Snapshot(0, Double.NaN, 0, 0, Double.NaN, 0, 0, 0, 0, Double.NaN, null);
    }

    public StreamingTrainer(TrainerConfig config) {
        this.config = config;
        this.modelConfig = modelConfig(config);
        this.modelName = config.getString(TrainerConfig.MODEL_NAME);
        this.checkpoints = new CheckpointStore(config.checkpointDir(), config.getInt(TrainerConfig.CHECKPOINT_KEEP));
        if (config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES) < modelConfig.batchSize()) {
            throw new IllegalArgumentException(TrainerConfig.REPLAY_CAPACITY_IMAGES + " must hold at least one batch ("
                    + modelConfig.batchSize() + ")");
        }
    }

    /** The model preset with the {@code model.}-prefixed overrides applied. */
    public static ExtremaConfig modelConfig(TrainerConfig config) {
        Map<String, String> map = ExtremaConfig.preset(config.getString(TrainerConfig.MODEL_PRESET)).toMap();
        map.putAll(config.modelOverrides());
        return ExtremaConfig.fromMap(map);
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
        return new Status(latestMetrics, buffer == null ? 0 : buffer.stats().size(), replayMinFill, capacity,
                counters.lag.get());
    }

    /** Port of the Prometheus endpoint, -1 when disabled or not started. */
    public int prometheusPort() {
        return prometheus == null ? -1 : prometheus.port();
    }

    /** Trains until {@link #stop()} or {@code max.steps}; then checkpoints, commits and closes what it opened. */
    public void run() throws Exception {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a StreamingTrainer runs once");
        }
        try {
            train();
        } finally {
            finished.countDown();
        }
    }

    private Device device() {
        Device best = ComputeDevice.best(); // also sizes libtorch's thread pools for this machine
        return switch (config.getString(TrainerConfig.DEVICE)) {
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> best;
        };
    }

    private void train() throws Exception {
        Map<String, Object> kafka = config.kafkaClientConfig();
        Map<String, Object> serde = config.serdeConfig();
        Optional<CheckpointStore.Stored> restored = checkpoints.latest();
        TrainerState state = restored.map(CheckpointStore.Stored::state)
                .orElse(new TrainerState(0, modelName, new TreeMap<>(), 0, 0, Map.of()));
        if (!state.modelName().equals(modelName)) {
            throw new IllegalStateException("checkpoint in " + config.checkpointDir() + " belongs to model "
                    + state.modelName() + ", not " + modelName);
        }
        ledger.restore(state.offsets());

        SortedMap<Long, Integer> live = new TreeMap<>(state.publishedVersions());
        ModelVersionPublisher.Scan scan = ModelVersionPublisher.scan(kafka, serde,
                config.getString(TrainerConfig.TOPIC_MODELS), modelName, SCAN_TIMEOUT);
        live.putAll(scan.live());
        modelsUnreadable = scan.unreadable().total();
        Random random = new Random(Seeds.derive(config.getLong(TrainerConfig.SEED), state.step()));
        int batchSize = modelConfig.batchSize();
        int threads = config.getInt(TrainerConfig.DECODE_THREADS);
        int storeSide = config.getInt(TrainerConfig.REPLAY_STORE_SIDE) > 0 ? config.getInt(TrainerConfig.REPLAY_STORE_SIDE)
                : (int) Math.ceil(modelConfig.imageSize() * 8 / 7.0);
        ReplayPolicy policy = config.replayPolicy();
        int minFill = config.getInt(TrainerConfig.REPLAY_MIN_FILL) > 0 ? config.getInt(TrainerConfig.REPLAY_MIN_FILL) : batchSize;
        ReplayBuffer buffer = new ReplayBuffer(policy, config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES),
                config.getLong(TrainerConfig.REPLAY_CAPACITY_BYTES), config.getDouble(TrainerConfig.REPLAY_FACTOR),
                minFill, random, item -> ledger.settle(item.position()));
        buffer.restoreCredit(state.replayCredit());
        replayMinFill = minFill;
        replayBuffer = buffer;
        OnlineProbe probe = config.getString(TrainerConfig.PROBE_DIR).isBlank() ? null
                : OnlineProbe.load(Path.of(config.getString(TrainerConfig.PROBE_DIR)),
                config.getInt(TrainerConfig.PROBE_MAX_IMAGES),
                EvalTransform.whole(modelConfig.imageSize(), Normalisation.IMAGENET));

        try (ExtremaTrainer trainer = restoreOrCreate(restored);
             ModelVersionPublisher versions = new ModelVersionPublisher(kafka, serde,
                     config.getString(TrainerConfig.TOPIC_MODELS), modelName,
                     config.getInt(TrainerConfig.VERSION_CHUNK_BYTES), config.getInt(TrainerConfig.VERSION_KEEP), live,
                     Math.max(state.lastVersion(), scan.highestSeen()));
             MetricsPublisher metrics = new MetricsPublisher(kafka, serde, config.getString(TrainerConfig.TOPIC_METRICS));
             DeadLetterSink deadLetters = new DeadLetterSink(kafka, serde, config.getString(TrainerConfig.TOPIC_DLQ),
                     ledger, counters);
             ImageIntake intake = new ImageIntake(kafka, serde, config.getString(TrainerConfig.GROUP_ID),
                     config.getString(TrainerConfig.TOPIC_IMAGES), ledger, buffer, deadLetters, counters,
                     new ImageIntake.Decoding(config.imageLimits(), storeSide), threads,
                     config.getInt(TrainerConfig.DECODE_QUEUE),
                     policy == ReplayPolicy.FRESH ? 0 : config.getInt(TrainerConfig.REPLAY_CAPACITY_IMAGES));
             BatchFeed feed = new BatchFeed(buffer,
                     new ViewAugmentation(AugmentationConfig.of(modelConfig)), batchSize,
                     threads, 2, Seeds.derive(config.getLong(TrainerConfig.SEED), state.step()))) {
            int port = config.getInt(TrainerConfig.PROMETHEUS_PORT);
            if (port >= 0) {
                prometheus = new PrometheusEndpoint(port, () -> samples(buffer));
                log.info("Prometheus metrics on http://127.0.0.1:{}/metrics", prometheus.port());
            }
            intake.start();
            feed.start();
            log.info("training {} ({} on {}) from step {}, version {} next, replay {} x{}", modelName,
                    config.getString(TrainerConfig.MODEL_PRESET), trainer.model().device(), trainer.appliedSteps(),
                    versions.nextVersion(), policy.configName(), config.getDouble(TrainerConfig.REPLAY_FACTOR));
            new Loop(trainer, buffer, feed, intake, versions, metrics, probe, state).run();
        } finally {
            if (prometheus != null) {
                prometheus.close();
            }
        }
    }

    /** The training loop and its interval bookkeeping. */
    private final class Loop {
        private final ExtremaTrainer trainer;
        private final ReplayBuffer buffer;
        private final BatchFeed feed;
        private final ImageIntake intake;
        private final ModelVersionPublisher versions;
        private final MetricsPublisher metrics;
        private final OnlineProbe probe;
        private final long maxSteps = config.getLong(TrainerConfig.MAX_STEPS);
        private final int logEvery = config.getInt(TrainerConfig.LOG_INTERVAL_STEPS);
        private final int metricsEvery = config.getInt(TrainerConfig.METRICS_INTERVAL_STEPS);
        private final int versionEverySteps = config.getInt(TrainerConfig.VERSION_INTERVAL_STEPS);
        private final long versionEveryNanos = (long) (config.getDouble(TrainerConfig.VERSION_INTERVAL_MINUTES) * 60e9);
        private final int checkpointEvery = config.getInt(TrainerConfig.CHECKPOINT_INTERVAL_STEPS);
        private final int probeEvery = config.getInt(TrainerConfig.PROBE_INTERVAL_STEPS);

        private final long imagesTrainedAtStart;
        private long imagesTrained;
        private long lastMetricsStep;
        private long lastCheckpointStep;
        private long lastVersionStep;
        private long lastVersionNanos = System.nanoTime();
        // interval accumulators for metrics
        private long intervalStart = System.nanoTime();
        private long intervalConsumedStart;
        private long intervalTrainedStart;
        private ReplayBuffer.Stats intervalReplayStart;
        private double lossSum;
        private int lossCount;
        private double probeAccuracy = Double.NaN;
        private StepResult last;

        Loop(ExtremaTrainer trainer, ReplayBuffer buffer, BatchFeed feed, ImageIntake intake,
             ModelVersionPublisher versions, MetricsPublisher metrics, OnlineProbe probe, TrainerState state) {
            this.trainer = trainer;
            this.buffer = buffer;
            this.feed = feed;
            this.intake = intake;
            this.versions = versions;
            this.metrics = metrics;
            this.probe = probe;
            this.imagesTrained = state.imagesTrained();
            this.imagesTrainedAtStart = state.imagesTrained();
            this.lastCheckpointStep = trainer.appliedSteps();
            this.lastVersionStep = trainer.appliedSteps();
            this.lastMetricsStep = trainer.appliedSteps();
            this.intervalTrainedStart = imagesTrained;
            this.intervalReplayStart = buffer.stats();
        }

        void run() throws Exception {
            boolean clean = false;
            try {
                while (!stopRequested && (maxSteps == 0 || step() < maxSteps)) {
                    if (intake.failure() != null) {
                        throw new IllegalStateException("image intake failed", intake.failure());
                    }
                    BatchFeed.Batch batch = feed.take(200, TimeUnit.MILLISECONDS);
                    if (batch != null) {
                        trainOn(batch);
                    }
                }
                clean = true;
            } finally {
                // Graceful or not, stop reading first; on a clean stop checkpoint what was trained and commit it.
                feed.close();
                if (clean) {
                    if (step() > lastCheckpointStep || lastCheckpointStep == 0) {
                        checkpoint();
                    }
                    if (step() > lastMetricsStep) {
                        publishMetrics();
                    }
                }
                intake.close();
            }
        }

        private long step() {
            return trainer.appliedSteps();
        }

        private void trainOn(BatchFeed.Batch batch) throws Exception {
            int n = batch.items().size();
            StepResult r = trainer.step(batch.online(), batch.target(), n);
            last = r;
            if (!r.skipped()) {
                lossSum += r.loss();
                lossCount++;
            }
            if (config.replayPolicy() == ReplayPolicy.MIN_REDUNDANCY && r.targetProjections() != null) {
                // The step's own target projections: the target network runs once per step.
                buffer.updateEmbeddings(batch.items(), r.targetProjections());
            }
            // Trained (or tried and skipped for non-finite values, which a retry would repeat): reflected.
            for (ReplayItem item : batch.items()) {
                ledger.settle(item.position());
            }
            imagesTrained += n;
            if (r.skipped()) {
                // Nothing changed in the model, so no interval is due; the skip is counted in the metrics.
                log.warn("step {} skipped (non-finite loss {} or gradient norm {}); {} skipped so far", r.step(),
                        r.loss(), r.gradNorm(), r.skippedTotal());
                return;
            }
            long s = step();
            if (s % logEvery == 0) {
                log.info("step {} loss {} lr {} momentum {} std {} buffer {} lag {}", s,
                        String.format("%.4f", r.loss()), String.format("%.2e", r.lr()),
                        String.format("%.4f", r.momentum()), String.format("%.4f", r.embeddingStd()),
                        buffer.stats().size(), counters.lag.get());
            }
            if (probe != null && s % probeEvery == 0) {
                try (Embedder embedder = trainer.model().embedder(true)) {
                    probeAccuracy = probe.accuracy(embedder);
                }
                log.info("step {} probe k-NN accuracy {}", s, String.format("%.4f", probeAccuracy));
            }
            if (s % metricsEvery == 0) {
                publishMetrics();
            }
            if (s - lastVersionStep >= versionEverySteps
                    || (versionEveryNanos > 0 && System.nanoTime() - lastVersionNanos >= versionEveryNanos)) {
                publishVersion();
            }
            if (s - lastCheckpointStep >= checkpointEvery) {
                checkpoint();
            }
        }

        private void publishVersion() throws ExecutionException, InterruptedException {
            Map<String, Double> figures = new HashMap<>();
            if (last != null) {
                figures.put("loss", last.loss());
                figures.put("embeddingStd", last.embeddingStd());
                figures.put("lr", last.lr());
                figures.put("momentum", last.momentum());
            }
            figures.put("imagesTrained", (double) imagesTrained);
            if (!Double.isNaN(probeAccuracy)) {
                figures.put("probeAccuracy", probeAccuracy);
            }
            ModelVersion v = new ModelVersion(modelName, versions.nextVersion(), step(), WEIGHTS_FORMAT,
                    modelConfig.toMap(), figures, trainer.model().exportTarget(), System.currentTimeMillis());
            versions.publish(v);
            lastVersionStep = step();
            lastVersionNanos = System.nanoTime();
        }

        /**
         * Writes a checkpoint with the offsets its weights reflect, then commits those offsets. Called between
         * steps, so every settled record is in the weights.
         */
        private void checkpoint() throws IOException, InterruptedException {
            Map<TopicPartition, PartitionPosition> offsets = ledger.snapshot();
            TrainerState state = new TrainerState(step(), modelName, versions.live(), imagesTrained, replayCredit(),
                    offsets);
            CheckpointStore.Stored stored = checkpoints.save(state, dir -> saveModel(trainer, dir));
            lastCheckpointStep = step();
            log.info("checkpoint {} ({} partitions, {} records pending)", stored.dir(), offsets.size(),
                    ledger.pendingCount());
            try {
                intake.commit(offsets).get(COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // The checkpoint has the offsets and wins at restart; the group offset only lags behind.
                log.warn("offset commit after checkpoint at step {} failed: {}", step(), e.toString());
            }
        }

        /** The buffer's credit, less only what was trained: batches drawn ahead of the step are not spent. */
        private double replayCredit() {
            ReplayBuffer.Stats replay = buffer.stats();
            return replay.credit() + replay.drawn() - (imagesTrained - imagesTrainedAtStart);
        }

        private void publishMetrics() {
            long now = System.nanoTime();
            double seconds = Math.max(1e-9, (now - intervalStart) / 1e9);
            long consumed = counters.consumed.get();
            ReplayBuffer.Stats replay = buffer.stats();
            long drawn = replay.drawn() - intervalReplayStart.drawn();
            double reuse = drawn == 0 ? 0
                    : (double) (replay.priorDrawsOfDrawn() - intervalReplayStart.priorDrawsOfDrawn()) / drawn;
            double consumedRate = (consumed - intervalConsumedStart) / seconds;
            double trainedRate = (imagesTrained - intervalTrainedStart) / seconds;
            double loss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
            long version = versions.nextVersion() - 1;
            Map<String, Double> extra = new HashMap<>();
            extra.put("recordsConsumed", (double) counters.consumed.get());
            extra.put("deadLettered", (double) counters.deadLettered.get());
            extra.put("replayDropped", (double) replay.dropped());
            extra.put("replayBytes", (double) replay.bytes());
            extra.put("imagesTrained", (double) imagesTrained);
            extra.put("recordsPending", (double) ledger.pendingCount());
            extra.put("skippedReflected", (double) counters.skippedReflected.get());
            extra.put("replayRefilled", (double) counters.refilled.get());
            extra.put("rssBytes", ProcessMemory.rssBytes());
            extra.put("modelsRecordsUnreadable", (double) modelsUnreadable);
            StepResult r = last;
            TrainingMetrics m = TrainingMetrics.newBuilder()
                    .setModelName(modelName)
                    .setStep(step())
                    .setTime(Instant.now())
                    .setLoss(loss)
                    .setLearningRate(r == null ? 0 : r.lr())
                    .setMomentum(r == null ? 0 : r.momentum())
                    .setImagesConsumedPerSec(consumedRate)
                    .setImagesTrainedPerSec(trainedRate)
                    .setReplayFill(replay.size())
                    .setReplayCapacity(replay.capacity())
                    .setReplayReuse(reuse)
                    .setSkippedSteps(trainer.skippedSteps())
                    .setEmbeddingStd(r == null ? Double.NaN : r.embeddingStd())
                    .setConsumerLag(counters.lag.get())
                    .setModelVersion(version)
                    .setProbeAccuracy(Double.isNaN(probeAccuracy) ? null : probeAccuracy)
                    .setExtra(extra)
                    .build();
            metrics.publish(m);
            latestMetrics = m;
            snapshot = new Snapshot(step(), loss, m.getLearningRate(), m.getMomentum(), m.getEmbeddingStd(),
                    trainer.skippedSteps(), consumedRate, trainedRate, version, probeAccuracy, replay);
            lastMetricsStep = step();
            intervalStart = now;
            intervalConsumedStart = consumed;
            intervalTrainedStart = imagesTrained;
            intervalReplayStart = replay;
            lossSum = 0;
            lossCount = 0;
        }
    }

    private List<Sample> samples(ReplayBuffer buffer) {
        Snapshot s = snapshot;
        ReplayBuffer.Stats replay = buffer.stats();
        List<Sample> out = new ArrayList<>();
        out.add(TrainerMetric.STEP.sample(s.step()));
        out.add(TrainerMetric.LOSS.sample(s.loss()));
        out.add(TrainerMetric.LEARNING_RATE.sample(s.lr()));
        out.add(TrainerMetric.MOMENTUM.sample(s.momentum()));
        out.add(TrainerMetric.EMBEDDING_STD.sample(s.embeddingStd()));
        out.add(TrainerMetric.SKIPPED_STEPS.sample(s.skipped()));
        out.add(TrainerMetric.IMAGES_CONSUMED_PER_SECOND.sample(s.consumedPerSec()));
        out.add(TrainerMetric.IMAGES_TRAINED_PER_SECOND.sample(s.trainedPerSec()));
        out.add(TrainerMetric.MODEL_VERSION.sample(s.modelVersion()));
        out.add(TrainerMetric.PROBE_ACCURACY.sample(s.probeAccuracy()));
        out.add(TrainerMetric.REPLAY_FILL.sample(replay.size()));
        out.add(TrainerMetric.REPLAY_CAPACITY.sample(replay.capacity()));
        out.add(TrainerMetric.REPLAY_BYTES.sample(replay.bytes()));
        out.add(TrainerMetric.REPLAY_DROPPED.sample(replay.dropped()));
        out.add(TrainerMetric.REPLAY_REFILLED.sample(replay.refilled()));
        out.add(TrainerMetric.RECORDS_CONSUMED.sample(counters.consumed.get()));
        out.add(TrainerMetric.RECORDS_DEAD_LETTERED.sample(counters.deadLettered.get()));
        out.add(TrainerMetric.MODELS_RECORDS_UNREADABLE.sample(modelsUnreadable));
        out.add(TrainerMetric.CONSUMER_LAG.sample(counters.lag.get()));
        out.add(TrainerMetric.RECORDS_PENDING.sample(ledger.pendingCount()));
        out.add(TrainerMetric.RESIDENT_MEMORY.sample(ProcessMemory.rssBytes()));
        return out;
    }

    private ExtremaTrainer restoreOrCreate(Optional<CheckpointStore.Stored> restored) throws IOException {
        Device device = device();
        if (restored.isEmpty()) {
            return new ExtremaTrainer(ExtremaModel.create(modelConfig, device));
        }
        log.info("resuming from checkpoint {}", restored.get().dir());
        return loadModel(restored.get().modelDir(), device);
    }

    private static void saveModel(ExtremaTrainer trainer, Path dir) throws IOException {
        Checkpoint.save(trainer, dir.resolve(MODEL_FILE));
    }

    /** The checkpoint's trainer on the configured device; refuses a checkpoint of another model configuration. */
    private ExtremaTrainer loadModel(Path dir, Device device) throws IOException {
        try {
            return Checkpoint.load(dir.resolve(MODEL_FILE), modelConfig, device);
        } catch (ConfigMismatchException e) {
            throw new IllegalStateException("the checkpoint in " + dir + " was trained with another model "
                    + "configuration " + e.differences() + "; start a new lineage (model.name, checkpoint.dir) to "
                    + "change it", e);
        }
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
            log.error("the trainer did not stop within {} s; the last checkpoint may be older than its last step",
                    STOP_SECONDS);
        }
    }
}
