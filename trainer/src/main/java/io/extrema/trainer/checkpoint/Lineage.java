package io.extrema.trainer.checkpoint;

import ai.djl.Device;
import io.extrema.model.Checkpoint;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.checkpoint.ConfigMismatchException;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionReader;
import io.extrema.trainer.config.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model lineage's checkpoints: where its training starts (the newest checkpoint in {@code checkpoint.dir}; else
 * its newest model version, when it has published some; else a new network, warm-started from
 * {@value TrainerConfig#INIT} when that is set) and where each checkpoint goes. A checkpoint of another lineage or
 * of another model configuration is refused: the architecture changes with a new lineage.
 */
public final class Lineage {
    private static final Logger log = LoggerFactory.getLogger(Lineage.class);

    private final TrainerConfig config;
    private final ExtremaConfig modelConfig;
    private final Device device;
    private final String name;
    private final CheckpointStore store;
    private final Optional<CheckpointStore.Stored> newest;

    private Lineage(
            TrainerConfig config,
            ExtremaConfig modelConfig,
            Device device,
            CheckpointStore store,
            Optional<CheckpointStore.Stored> newest) {
        this.config = config;
        this.modelConfig = modelConfig;
        this.device = device;
        this.name = config.getString(TrainerConfig.MODEL_NAME);
        this.store = store;
        this.newest = newest;
    }

    /**
     * The lineage {@code config} names, with the newest checkpoint of its directory, if any, and its training device,
     * resolved here so that a device that cannot be used fails the start, before any Kafka client is opened.
     */
    public static Lineage open(TrainerConfig config, ExtremaConfig modelConfig) throws IOException {
        CheckpointStore store =
                new CheckpointStore(config.checkpointDir(), config.getInt(TrainerConfig.CHECKPOINT_KEEP));
        Lineage lineage = new Lineage(config, modelConfig, config.device(), store, store.latest());
        String owner = lineage.state().modelName();
        if (!owner.equals(lineage.name)) {
            throw new IllegalStateException(
                    "checkpoint in " + config.checkpointDir() + " belongs to model " + owner + ", not " + lineage.name);
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

    /** Whether {@link #network()} is a warm start: no checkpoint of this lineage yet, and {@code init} set. */
    public boolean warmStarted() {
        return newest.isEmpty() && !config.getString(TrainerConfig.INIT).isBlank();
    }

    /**
     * The network to train, on the configured device: the newest checkpoint's; else, without one, a warm start from
     * {@value TrainerConfig#INIT} when it is set, or a new network. Resuming wins over {@code init}: a restart must
     * never reset the network.
     *
     * <p>{@code highestPublished} is the highest version of this lineage on the models topic. A lineage that has
     * published versions but has no checkpoint lost its checkpoints (a wiped disk, a container without its volume,
     * a wrong {@code checkpoint.dir}): a new network would go out as its next version, and every serving instance
     * would swap its trained model for a random one. So it goes on from its newest readable version instead, as
     * {@code init=<model.name>@latest} would (target weights in both encoders, a fresh predictor and optimiser,
     * steps counted from 0 again so that the warmup protects the copied weights), and refuses to start when none
     * of its versions can be read.
     */
    public ExtremaTrainer network(long highestPublished) throws IOException {
        String init = config.getString(TrainerConfig.INIT);
        if (newest.isPresent()) {
            CheckpointStore.Stored stored = newest.get();
            if (init.isBlank()) {
                log.info("resuming from checkpoint {}", stored.dir());
            } else {
                log.info(
                        "resuming from checkpoint {}; {}={} is ignored (a restart never resets the network)",
                        stored.dir(),
                        TrainerConfig.INIT,
                        init);
            }
            try {
                return Checkpoint.load(stored.modelFile(), modelConfig, device);
            } catch (ConfigMismatchException e) {
                throw new IllegalStateException(
                        "the checkpoint in " + stored.modelDir() + " was trained with another "
                                + "model configuration " + e.differences() + "; start a new lineage (model.name, "
                                + "checkpoint.dir) to change it",
                        e);
            }
        }
        if (highestPublished > 0) {
            return continueFromNewestVersion(highestPublished);
        }
        if (init.isBlank()) {
            return new ExtremaTrainer(ExtremaModel.create(modelConfig, device));
        }
        return warmStart(init);
    }

    /** The network of this lineage's newest readable version, its checkpoints being lost. */
    private ExtremaTrainer continueFromNewestVersion(long highestPublished) throws IOException {
        String topic = config.getString(TrainerConfig.TOPIC_MODELS);
        ModelVersion version = ModelVersionReader.read(config.kafkaClientConfig(), config.serdeConfig(), topic, name, 0)
                .orElseThrow(() -> new IllegalStateException("model " + name + " has versions up to v"
                        + highestPublished + " on " + topic + " but none can be read, and "
                        + config.checkpointDir() + " holds no checkpoint of it; refusing to publish a new network "
                        + "as its next version. Restore the checkpoint directory or the schema registry, or start "
                        + "a new lineage (model.name)"));
        log.warn(
                "{} holds no checkpoint of model {}, but its v{} (step {}) is on {}: going on from that version's "
                        + "weights (a fresh predictor and optimiser, steps from 0 again; versions from v{}); "
                        + "a new lineage (model.name) starts from scratch instead{}",
                config.checkpointDir(),
                name,
                version.version(),
                version.step(),
                topic,
                highestPublished + 1,
                config.getString(TrainerConfig.INIT).isBlank()
                        ? ""
                        : "; " + TrainerConfig.INIT + " is ignored (a restart never resets the network)");
        return warmStartFrom(version.weights(), "model version " + name + " v" + version.version());
    }

    /** A new network with the weights {@code init} names (see {@link Checkpoint#warmStart} for what is copied). */
    private ExtremaTrainer warmStart(String init) throws IOException {
        byte[] weights;
        Optional<TrainerConfig.VersionRef> ref = config.initVersion();
        if (ref.isPresent()) {
            String topic = config.getString(TrainerConfig.TOPIC_MODELS);
            ModelVersion version = ModelVersionReader.read(
                            config.kafkaClientConfig(),
                            config.serdeConfig(),
                            topic,
                            ref.get().modelName(),
                            ref.get().version())
                    .orElseThrow(() -> new IllegalStateException(
                            TrainerConfig.INIT + "=" + init + ": no such verified model version on " + topic));
            log.info(
                    "warm start from model version {} v{} (step {}): its target weights into both encoders, "
                            + "a fresh predictor",
                    version.modelName(),
                    version.version(),
                    version.step());
            weights = version.weights();
        } else {
            Path file = CheckpointStore.modelFile(Path.of(init))
                    .orElseThrow(() -> new IllegalStateException(TrainerConfig.INIT + "=" + init
                            + ": neither a checkpoint file nor a directory holding one"));
            log.info(
                    "warm start from {}: a checkpoint's own weights, or exported target weights into both encoders",
                    file);
            weights = Files.readAllBytes(file);
        }
        return warmStartFrom(weights, TrainerConfig.INIT + "=" + init);
    }

    /** {@link Checkpoint#warmStart} from {@code weights}, which {@code source} names in a refusal. */
    private ExtremaTrainer warmStartFrom(byte[] weights, String source) throws IOException {
        try {
            return Checkpoint.warmStart(weights, modelConfig, device);
        } catch (ConfigMismatchException e) {
            throw new IllegalStateException(
                    source + " was trained with another model configuration " + e.differences()
                            + "; set the model settings to match it",
                    e);
        }
    }

    /** Writes a checkpoint between steps, so the offsets in {@code state} are exactly what the weights reflect. */
    public CheckpointStore.Stored save(TrainerState state, ExtremaTrainer trainer) throws IOException {
        return store.save(state, modelDir -> Checkpoint.save(trainer, modelDir.resolve(CheckpointStore.MODEL_FILE)));
    }
}
