package io.extrema.trainer.metrics;

import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.trainer.intake.IntakeState;
import io.extrema.trainer.replay.ReplayBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The trainer's Prometheus samples: the training figures of the latest metrics record (the step, interval means
 * and rates it reported) and the replay buffer, intake and memory as they are when scraped.
 */
public final class TrainerSamples implements Supplier<List<Sample>> {
    private final Supplier<TrainingMetrics> latest;
    private final IntakeState intake;
    private final long modelsUnreadable;

    /**
     * @param latest           the last metrics record published, null before the first
     * @param modelsUnreadable models-topic records the start-up scan could not read
     */
    public TrainerSamples(Supplier<TrainingMetrics> latest, IntakeState intake, long modelsUnreadable) {
        this.latest = latest;
        this.intake = intake;
        this.modelsUnreadable = modelsUnreadable;
    }

    @Override
    public List<Sample> get() {
        TrainingMetrics m = latest.get();
        ReplayBuffer.Stats replay = intake.buffer().stats();
        List<Sample> out = new ArrayList<>();
        out.add(reported(TrainerMetric.STEP, m, TrainingMetrics::getStep, 0));
        out.add(reported(TrainerMetric.LOSS, m, TrainingMetrics::getLoss, Double.NaN));
        out.add(reported(TrainerMetric.LEARNING_RATE, m, TrainingMetrics::getLearningRate, 0));
        out.add(reported(TrainerMetric.MOMENTUM, m, TrainingMetrics::getMomentum, 0));
        out.add(reported(TrainerMetric.EMBEDDING_STD, m, TrainingMetrics::getEmbeddingStd, Double.NaN));
        out.add(reported(TrainerMetric.SKIPPED_STEPS, m, TrainingMetrics::getSkippedSteps, 0));
        out.add(reported(TrainerMetric.OVERFLOW_STEPS, m, TrainingMetrics::getOverflowSteps, 0));
        out.add(reported(
                TrainerMetric.LOSS_SCALE, m, r -> r.getLossScale() == null ? 1 : r.getLossScale(), Double.NaN));
        out.add(reported(TrainerMetric.IMAGES_CONSUMED_PER_SECOND, m, TrainingMetrics::getImagesConsumedPerSec, 0));
        out.add(reported(TrainerMetric.IMAGES_TRAINED_PER_SECOND, m, TrainingMetrics::getImagesTrainedPerSec, 0));
        out.add(reported(TrainerMetric.MODEL_VERSION, m, TrainingMetrics::getModelVersion, 0));
        out.add(reported(
                TrainerMetric.PROBE_ACCURACY,
                m,
                r -> r.getProbeAccuracy() == null ? Double.NaN : r.getProbeAccuracy(),
                Double.NaN));
        out.add(TrainerMetric.REPLAY_FILL.sample(replay.size()));
        out.add(TrainerMetric.REPLAY_CAPACITY.sample(replay.capacity()));
        out.add(TrainerMetric.REPLAY_BYTES.sample(replay.bytes()));
        out.add(TrainerMetric.REPLAY_DROPPED.sample(replay.dropped()));
        out.add(TrainerMetric.REPLAY_REFILLED.sample(replay.refilled()));
        out.add(TrainerMetric.RECORDS_CONSUMED.sample(intake.counters().consumed.get()));
        out.add(TrainerMetric.RECORDS_DEAD_LETTERED.sample(
                intake.counters().deadLettered.get()));
        out.add(TrainerMetric.MODELS_RECORDS_UNREADABLE.sample(modelsUnreadable));
        out.add(TrainerMetric.CONSUMER_LAG.sample(intake.counters().lag.get()));
        out.add(TrainerMetric.RECORDS_PENDING.sample(intake.ledger().pendingCount()));
        out.add(TrainerMetric.RESIDENT_MEMORY.sample(ProcessMemory.rssBytes()));
        return out;
    }

    /** A figure of the latest record, or {@code before} until the first record is published. */
    private static Sample reported(
            TrainerMetric metric, TrainingMetrics latest, ToDoubleFunction<TrainingMetrics> figure, double before) {
        return metric.sample(latest == null ? before : figure.applyAsDouble(latest));
    }
}
