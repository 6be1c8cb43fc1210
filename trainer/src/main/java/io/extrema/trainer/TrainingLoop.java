package io.extrema.trainer;

import io.extrema.model.Embedder;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.StepResult;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.trainer.batch.BatchFeed;
import io.extrema.trainer.checkpoint.CheckpointStore;
import io.extrema.trainer.checkpoint.Lineage;
import io.extrema.trainer.checkpoint.TrainerState;
import io.extrema.trainer.config.TrainerConfig;
import io.extrema.trainer.intake.ImageIntake;
import io.extrema.trainer.intake.IntakeState;
import io.extrema.trainer.metrics.MetricsInterval;
import io.extrema.trainer.metrics.TrainingProgress;
import io.extrema.trainer.offsets.PartitionPosition;
import io.extrema.trainer.probe.OnlineProbe;
import io.extrema.trainer.publish.ModelVersionPublisher;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayItem;
import io.extrema.trainer.replay.ReplayPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training thread: take a batch, step, and between steps maybe publish metrics or a model version, maybe
 * checkpoint. Everything that touches the weights happens here, so a checkpoint's offsets are exactly the records
 * its weights reflect.
 */
final class TrainingLoop {
    private static final Logger log = LoggerFactory.getLogger(TrainingLoop.class);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
    private static final long TAKE_MILLIS = 200;

    private final Lineage lineage;
    private final ExtremaTrainer trainer;
    private final TrainingProgress progress;
    private final BatchFeed feed;
    private final ImageIntake intake;
    private final IntakeState input;
    private final ModelVersionPublisher versions;
    private final MetricsInterval metrics;
    private final OnlineProbe probe;
    private final BooleanSupplier stopRequested;
    private final long maxSteps;
    private final boolean minRedundancy;
    private final Cadence cadence;

    /**
     * @param probe         the online probe, null without one
     * @param stopRequested polled between steps; true ends the loop with a checkpoint
     */
    TrainingLoop(
            TrainerConfig config,
            Lineage lineage,
            ExtremaTrainer trainer,
            TrainingProgress progress,
            BatchFeed feed,
            ImageIntake intake,
            IntakeState input,
            ModelVersionPublisher versions,
            MetricsInterval metrics,
            OnlineProbe probe,
            BooleanSupplier stopRequested) {
        this.lineage = lineage;
        this.trainer = trainer;
        this.progress = progress;
        this.feed = feed;
        this.intake = intake;
        this.input = input;
        this.versions = versions;
        this.metrics = metrics;
        this.probe = probe;
        this.stopRequested = stopRequested;
        this.maxSteps = config.getLong(TrainerConfig.MAX_STEPS);
        this.minRedundancy = config.replayPolicy() == ReplayPolicy.MIN_REDUNDANCY;
        this.cadence = new Cadence(config, trainer.appliedSteps());
    }

    /** Trains until stopped or {@code max.steps}; on a clean stop checkpoints what was trained and commits it. */
    void run() throws Exception {
        if (probe != null) {
            // What training starts from (a random network, a warm start, a resumed one): every later probe reads
            // against it, so a dip or a gain is visible from the first figure.
            runProbe(step());
        }
        if (lineage.warmStarted() && versions.nextVersion() == 1) {
            // A new lineage that starts from a trained network publishes it at once, as its version 1 at step 0:
            // serving then embeds with it within seconds instead of a random network until the first interval.
            publishVersion();
        }
        try {
            while (!stopRequested.getAsBoolean() && (maxSteps == 0 || step() < maxSteps)) {
                if (intake.failure() != null) {
                    throw new IllegalStateException("image intake failed", intake.failure());
                }
                BatchFeed.Batch batch = feed.take(TAKE_MILLIS, TimeUnit.MILLISECONDS);
                if (batch != null) {
                    trainOn(batch);
                }
            }
        } finally {
            // Graceful or not, stop drawing first; the intake closes after, so the checkpoint's commit can reach it.
            feed.close();
        }
        if (cadence.checkpointOwed(step())) {
            checkpoint();
        }
        if (metrics.hasStepsBefore(step())) {
            publishMetrics();
        }
    }

    private long step() {
        return trainer.appliedSteps();
    }

    private void trainOn(BatchFeed.Batch batch) throws Exception {
        StepResult r;
        try (batch) { // freed at once: the feed stages the next batch while this thread does the interval work
            r = trainer.step(batch.online(), batch.target());
        }
        settle(batch, r);
        if (r.skipped()) {
            // Nothing changed in the model, so no interval is due; the skip is counted in the metrics.
            log.warn(
                    "step {} skipped (non-finite loss {} or gradient norm {}); {} skipped so far",
                    r.step(),
                    r.loss(),
                    r.gradNorm(),
                    r.skippedTotal());
            return;
        }
        metrics.add(r);
        long s = step();
        if (cadence.logDue(s)) {
            log.info(
                    "step {} loss {} lr {} momentum {} std {} buffer {} lag {}",
                    s,
                    String.format("%.4f", r.loss()),
                    String.format("%.2e", r.lr()),
                    String.format("%.4f", r.momentum()),
                    String.format("%.4f", r.embeddingStd()),
                    input.buffer().stats().size(),
                    input.counters().lag.get());
        }
        if (probe != null && cadence.probeDue(s)) {
            runProbe(s);
        }
        if (cadence.metricsDue(s)) {
            publishMetrics();
        }
        if (cadence.versionDue(s)) {
            publishVersion();
        }
        if (cadence.checkpointDue(s)) {
            checkpoint();
        }
    }

    /** The batch is trained (or tried and skipped for non-finite values, which a retry would repeat): reflected. */
    private void settle(BatchFeed.Batch batch, StepResult r) {
        if (minRedundancy && r.targetProjections() != null) {
            // The step's own target projections: the target network runs once per step.
            input.buffer().updateEmbeddings(batch.items(), r.targetProjections());
        }
        for (ReplayItem item : batch.items()) {
            input.ledger().settle(item.position());
        }
        progress.stepped(r, batch.items().size());
    }

    private void runProbe(long s) {
        try (Embedder embedder = trainer.model().embedder(true)) {
            progress.probed(probe.accuracy(embedder));
        }
        log.info("step {} probe k-NN accuracy {}", s, String.format("%.4f", progress.probeAccuracy()));
    }

    private void publishMetrics() {
        metrics.publish(trainer, versions.nextVersion() - 1, progress);
    }

    private void publishVersion() throws ExecutionException, InterruptedException {
        versions.publish(new ModelVersion(
                lineage.name(),
                versions.nextVersion(),
                step(),
                StreamingTrainer.WEIGHTS_FORMAT,
                trainer.config().toMap(),
                progress.versionFigures(),
                trainer.model().exportTarget(),
                System.currentTimeMillis()));
        cadence.versionPublished(step());
    }

    /** Writes a checkpoint with the offsets its weights reflect, then commits those offsets to the group. */
    private void checkpoint() throws IOException, InterruptedException {
        Map<TopicPartition, PartitionPosition> offsets = input.ledger().snapshot();
        TrainerState state = new TrainerState(
                step(), lineage.name(), versions.live(), progress.imagesTrained(), replayCredit(), offsets);
        CheckpointStore.Stored stored = lineage.save(state, trainer);
        cadence.checkpointed(step());
        log.info(
                "checkpoint {} ({} partitions, {} records pending)",
                stored.dir(),
                offsets.size(),
                input.ledger().pendingCount());
        try {
            intake.commit(offsets).get(COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The checkpoint has the offsets and wins at restart; the group offset only lags behind.
            log.warn("offset commit after checkpoint at step {} failed: {}", step(), e.toString());
        }
    }

    /** The buffer's credit, less only what was trained: batches drawn ahead of the step are not spent. */
    private double replayCredit() {
        ReplayBuffer.Stats replay = input.buffer().stats();
        return replay.credit() + replay.drawn() - progress.imagesTrainedThisRun();
    }
}
