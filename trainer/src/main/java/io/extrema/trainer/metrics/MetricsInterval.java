package io.extrema.trainer.metrics;

import io.extrema.model.ExtremaTrainer;
import io.extrema.model.StepResult;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.trainer.intake.IntakeCounters;
import io.extrema.trainer.intake.IntakeState;
import io.extrema.trainer.publish.MetricsPublisher;
import io.extrema.trainer.replay.ReplayBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The steps since the last {@link TrainingMetrics} record: their losses and the counters at the interval's start,
 * so each record's mean loss, rates and reuse cover exactly the steps in between. Publishing a record starts the
 * next interval.
 */
public final class MetricsInterval {
    private final MetricsPublisher publisher;
    private final Consumer<TrainingMetrics> published;
    private final String modelName;
    private final IntakeState intake;
    private final long modelsUnreadable;
    private long startStep;
    private long startNanos = System.nanoTime();
    // The run's counters start at zero, so the first interval counts every record read since the start.
    private long consumedAtStart;
    private long trainedAtStart;
    private ReplayBuffer.Stats replayAtStart;
    private double lossSum;
    private int lossCount;

    /**
     * @param published        told of every record sent (the trainer's status and Prometheus endpoint read the latest)
     * @param modelsUnreadable models-topic records the start-up scan could not read
     * @param step             the step training starts from
     * @param progress         what was trained before this run
     */
    public MetricsInterval(
            MetricsPublisher publisher,
            Consumer<TrainingMetrics> published,
            String modelName,
            IntakeState intake,
            long modelsUnreadable,
            long step,
            TrainingProgress progress) {
        this.publisher = publisher;
        this.published = published;
        this.modelName = modelName;
        this.intake = intake;
        this.modelsUnreadable = modelsUnreadable;
        this.startStep = step;
        this.trainedAtStart = progress.imagesTrained();
        this.replayAtStart = intake.buffer().stats();
    }

    /** The loss of an applied step (a skipped one changed nothing and is counted in {@code skippedSteps}). */
    public void add(StepResult applied) {
        lossSum += applied.loss();
        lossCount++;
    }

    /** Whether steps were applied since the last record. */
    public boolean hasStepsBefore(long step) {
        return step > startStep;
    }

    /** Sends the interval's record as of the trainer's step and starts the next interval there. */
    public void publish(ExtremaTrainer trainer, long modelVersion, TrainingProgress progress) {
        long step = trainer.appliedSteps();
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        IntakeCounters counters = intake.counters();
        long consumed = counters.consumed.get();
        ReplayBuffer.Stats replay = intake.buffer().stats();
        long drawn = replay.drawn() - replayAtStart.drawn();
        double reuse =
                drawn == 0 ? 0 : (double) (replay.priorDrawsOfDrawn() - replayAtStart.priorDrawsOfDrawn()) / drawn;
        long imagesTrained = progress.imagesTrained();
        StepResult last = progress.last();
        double probe = progress.probeAccuracy();
        TrainingMetrics m = TrainingMetrics.newBuilder()
                .setModelName(modelName)
                .setStep(step)
                .setTime(Instant.now())
                .setLoss(lossCount == 0 ? Double.NaN : lossSum / lossCount)
                .setLearningRate(last == null ? 0 : last.lr())
                .setMomentum(last == null ? 0 : last.momentum())
                .setImagesConsumedPerSec((consumed - consumedAtStart) / seconds)
                .setImagesTrainedPerSec((imagesTrained - trainedAtStart) / seconds)
                .setReplayFill(replay.size())
                .setReplayCapacity(replay.capacity())
                .setReplayReuse(reuse)
                .setSkippedSteps(trainer.skippedSteps())
                .setOverflowSteps(trainer.overflowSteps())
                .setLossScale(trainer.config().halfPrecision() ? trainer.lossScale() : null)
                .setEmbeddingStd(last == null ? Double.NaN : last.embeddingStd())
                .setConsumerLag(counters.lag.get())
                .setModelVersion(modelVersion)
                .setProbeAccuracy(Double.isNaN(probe) ? null : probe)
                .setExtra(extra(consumed, replay, imagesTrained))
                .build();
        publisher.publish(m);
        published.accept(m);
        startStep = step;
        startNanos = now;
        consumedAtStart = consumed;
        trainedAtStart = imagesTrained;
        replayAtStart = replay;
        lossSum = 0;
        lossCount = 0;
    }

    private Map<String, Double> extra(long consumed, ReplayBuffer.Stats replay, long imagesTrained) {
        IntakeCounters counters = intake.counters();
        Map<String, Double> extra = new HashMap<>();
        extra.put("recordsConsumed", (double) consumed);
        extra.put("deadLettered", (double) counters.deadLettered.get());
        extra.put("replayDropped", (double) replay.dropped());
        extra.put("replayBytes", (double) replay.bytes());
        extra.put("imagesTrained", (double) imagesTrained);
        extra.put("recordsPending", (double) intake.ledger().pendingCount());
        extra.put("skippedReflected", (double) counters.skippedReflected.get());
        extra.put("replayRefilled", (double) replay.refilled());
        extra.put("rssBytes", ProcessMemory.rssBytes());
        extra.put("modelsRecordsUnreadable", (double) modelsUnreadable);
        return extra;
    }
}
