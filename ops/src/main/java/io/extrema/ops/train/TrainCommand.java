package io.extrema.ops.train;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.StatusLine;
import io.extrema.trainer.StreamingTrainer;
import io.extrema.trainer.TrainerMain;
import io.extrema.trainer.config.TrainerConfig;
import org.apache.kafka.common.config.ConfigDef;

/** {@code extrema train}: the streaming trainer (images topic to model versions), until Ctrl-C or SIGTERM. */
public final class TrainCommand implements Command {

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "Train ExtreMA continuously on the images topic; publish model versions and metrics; checkpoint and resume.";
    }

    @Override
    public ConfigDef settings() {
        return ConsoleSettings.defineLongRunning(new ConfigDef(TrainerConfig.DEF), name());
    }

    /** kafka.* keys travel in the originals; TrainerConfig hands them to every Kafka client. */
    public static TrainerConfig config(Invocation invocation) {
        return new TrainerConfig(invocation.partSettings());
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        TrainerConfig config = config(invocation);
        invocation
                .out()
                .println("Training " + config.getString(TrainerConfig.MODEL_NAME) + " from "
                        + config.getString(TrainerConfig.TOPIC_IMAGES) + "; checkpoints in " + config.checkpointDir()
                        + ". Ctrl-C stops it after a checkpoint.");
        StreamingTrainer trainer = new StreamingTrainer(config);
        try (StatusLine status = StatusLine.start(invocation, () -> TrainingStatus.of(trainer.status()))) {
            // TrainerMain's shutdown hook finishes the step, checkpoints and commits before the JVM exits.
            TrainerMain.run(trainer);
        }
        return 0;
    }
}
