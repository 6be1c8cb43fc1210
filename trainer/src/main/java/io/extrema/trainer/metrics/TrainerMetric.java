package io.extrema.trainer.metrics;

/**
 * The trainer's Prometheus metrics, defined once: the trainer's own endpoint and the dashboard (which re-exports
 * the figures it reads from the metrics topic) take name, type and help from here, so a scrape of either means
 * the same thing.
 */
public enum TrainerMetric {
    STEP("extrema_trainer_step", Type.COUNTER, "Optimiser steps applied."),
    LOSS("extrema_trainer_loss", Type.GAUGE, "Mean loss over the last metrics interval."),
    LEARNING_RATE("extrema_trainer_learning_rate", Type.GAUGE, "Learning rate of the last step."),
    MOMENTUM("extrema_trainer_momentum", Type.GAUGE, "EMA momentum of the last step."),
    EMBEDDING_STD(
            "extrema_trainer_embedding_std",
            Type.GAUGE,
            "Spread of the last step's target projections: "
                    + "mean per-dimension std of the L2-normalised projections times sqrt(P); about 1 healthy, 0 collapsed."),
    SKIPPED_STEPS("extrema_trainer_skipped_steps", Type.COUNTER, "Steps skipped for non-finite values."),
    OVERFLOW_STEPS(
            "extrema_trainer_overflow_steps",
            Type.COUNTER,
            "Of the skipped steps, those whose fp16 gradients overflowed (each halves the loss scale); 0 in fp32."),
    LOSS_SCALE(
            "extrema_trainer_loss_scale", Type.GAUGE, "Dynamic loss scale of fp16 steps; 1 in fp32 (nothing scaled)."),
    IMAGES_CONSUMED_PER_SECOND(
            "extrema_trainer_images_consumed_per_second",
            Type.GAUGE,
            "Records read from the images topic per second, over the last metrics interval."),
    IMAGES_TRAINED_PER_SECOND(
            "extrema_trainer_images_trained_per_second",
            Type.GAUGE,
            "Images trained on per second, over the last metrics interval."),
    MODEL_VERSION("extrema_trainer_model_version", Type.GAUGE, "Latest published model version."),
    PROBE_ACCURACY("extrema_trainer_probe_accuracy", Type.GAUGE, "k-NN accuracy on the probe set."),
    REPLAY_FILL("extrema_trainer_replay_fill", Type.GAUGE, "Images in the replay buffer."),
    REPLAY_CAPACITY("extrema_trainer_replay_capacity", Type.GAUGE, "Replay buffer capacity in images."),
    REPLAY_BYTES("extrema_trainer_replay_bytes", Type.GAUGE, "Bytes of pixels in the replay buffer."),
    REPLAY_DROPPED("extrema_trainer_replay_dropped_total", Type.COUNTER, "Images dropped by the replay policy."),
    REPLAY_REFILLED(
            "extrema_trainer_replay_refilled_total",
            Type.COUNTER,
            "Already-trained images read back from the topic into the replay buffer after a restart."),
    RECORDS_CONSUMED("extrema_trainer_records_consumed_total", Type.COUNTER, "Records read from the images topic."),
    RECORDS_DEAD_LETTERED(
            "extrema_trainer_records_dead_lettered_total", Type.COUNTER, "Records sent to the dead-letter topic."),
    MODELS_RECORDS_UNREADABLE(
            "extrema_trainer_models_records_unreadable_total",
            Type.COUNTER,
            "Models-topic records the start-up scan skipped because they cannot be read."),
    CONSUMER_LAG("extrema_trainer_consumer_lag", Type.GAUGE, "Records behind the end of the images topic."),
    RECORDS_PENDING(
            "extrema_trainer_records_pending", Type.GAUGE, "Records read and not yet reflected in the weights."),
    RESIDENT_MEMORY("process_resident_memory_bytes", Type.GAUGE, "Resident memory (VmRSS), native tensors included.");

    /** Prometheus metric types, as the text format spells them. */
    public enum Type {
        COUNTER,
        GAUGE;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String metricName;
    private final Type type;
    private final String help;

    TrainerMetric(String metricName, Type type, String help) {
        this.metricName = metricName;
        this.type = type;
        this.help = help;
    }

    public String metricName() {
        return metricName;
    }

    public Type type() {
        return type;
    }

    public String help() {
        return help;
    }

    /** This metric's sample for the trainer's own endpoint. */
    public Sample sample(double value) {
        return new Sample(metricName, type.text(), help, value);
    }
}
