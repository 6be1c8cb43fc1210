package io.extrema.trainer.checkpoint;

import io.extrema.model.Checkpoint;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.checkpoint.ConfigMismatchException;
import io.extrema.trainer.config.TrainerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One model lineage's checkpoints: where its training starts (the newest checkpoint in {@code checkpoint.dir},
 * else a new network) and where each checkpoint goes. A checkpoint of another lineage or of another model
 * configuration is refused: the architecture changes with a new lineage.
 */
public final class Lineage {
    private static final Logger log = LoggerFactory.getLogger(Lineage.class);

    private final TrainerConfig config;
    private final ExtremaConfig modelConfig;
    private final String name;
    private final CheckpointStore store;
    private final Optional<CheckpointStore.Stored> newest;

    private Lineage(TrainerConfig config, ExtremaConfig modelConfig, CheckpointStore store,
                    Optional<CheckpointStore.Stored> newest) {
        this.config = config;
        this.modelConfig = modelConfig;
        this.name = config.getString(TrainerConfig.MODEL_NAME);
        this.store = store;
        this.newest = newest;
    }

    /** The lineage {@code config} names, with the newest checkpoint of its directory, if any. */
    public static Lineage open(TrainerConfig config, ExtremaConfig modelConfig) throws IOException {
        CheckpointStore store = new CheckpointStore(config.checkpointDir(), config.getInt(TrainerConfig.CHECKPOINT_KEEP));
        Lineage lineage = new Lineage(config, modelConfig, store, store.latest());
        String owner = lineage.state().modelName();
        if (!owner.equals(lineage.name)) {
            throw new IllegalStateException("checkpoint in " + config.checkpointDir() + " belongs to model " + owner
                    + ", not " + lineage.name);
        }
        return lineage;
    }

    public String name() {
        return name;
    }

    /** The newest checkpoint's bookkeeping, or that of a lineage that has not trained yet. */
    public TrainerState state() {
        return newest.map(CheckpointStore.Stored::state)
                .orElse(new TrainerState(0, name, new TreeMap<>(), 0, 0, Map.of()));
    }

    /** The network to train, on the configured device: the newest checkpoint's, else a new one. */
    public ExtremaTrainer network() throws IOException {
        if (newest.isEmpty()) {
            return new ExtremaTrainer(ExtremaModel.create(modelConfig, config.device()));
        }
        CheckpointStore.Stored stored = newest.get();
        log.info("resuming from checkpoint {}", stored.dir());
        try {
            return Checkpoint.load(stored.modelFile(), modelConfig, config.device());
        } catch (ConfigMismatchException e) {
            throw new IllegalStateException("the checkpoint in " + stored.modelDir() + " was trained with another "
                    + "model configuration " + e.differences() + "; start a new lineage (model.name, checkpoint.dir) "
                    + "to change it", e);
        }
    }

    /** Writes a checkpoint between steps, so the offsets in {@code state} are exactly what the weights reflect. */
    public CheckpointStore.Stored save(TrainerState state, ExtremaTrainer trainer) throws IOException {
        return store.save(state, modelDir -> Checkpoint.save(trainer, modelDir.resolve(CheckpointStore.MODEL_FILE)));
    }
}
