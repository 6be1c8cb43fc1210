package io.extrema.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.extrema.model.checkpoint.CheckpointException;
import io.extrema.model.checkpoint.ConfigMismatchException;
import io.extrema.model.checkpoint.TensorArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training checkpoints: online, predictor and target weights, AdamW moments, step counters (which also fix the
 * schedules and the mask/drop-path generator) and the configuration, in one {@link TensorArchive} file
 * (docs/checkpoints.md). Resuming and taking the next step gives the loss the uninterrupted run would have had.
 */
public final class Checkpoint {

    public static final String KIND = "extrema-checkpoint";
    private static final List<String> COUNTERS = List.of("step", "skipped", "emaAppliedFor", "adamUpdates");

    private Checkpoint() {}

    public static byte[] toBytes(ExtremaTrainer trainer) {
        ExtremaModel model = trainer.model();
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, p) -> tensors.put(name, p.getArray()));
        model.targetParameters().forEach((name, p) -> tensors.put(name, p.getArray()));
        tensors.putAll(trainer.optimizer().moments());
        return TensorArchive.write(KIND, model.config(), trainer.counters(), tensors);
    }

    /** Writes atomically (temporary file, then rename) so a crash never leaves half a checkpoint. */
    public static void save(ExtremaTrainer trainer, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, toBytes(trainer));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A trainer (and model) rebuilt from a checkpoint file on the best device, with the configuration stored in it. */
    public static ExtremaTrainer load(Path file) throws IOException {
        TensorArchive archive = read(file);
        return rebuild(archive, archive.config(), ComputeDevice.best());
    }

    /**
     * A trainer rebuilt from a checkpoint file on {@code device}, refusing one written for any configuration but
     * {@code expected} with a {@link ConfigMismatchException} that names the differing settings. The file is read
     * and parsed once.
     */
    public static ExtremaTrainer load(Path file, ExtremaConfig expected, Device device) throws IOException {
        TensorArchive archive = read(file);
        archive.requireConfig(expected);
        return rebuild(archive, expected, device);
    }

    /**
     * A new lineage's trainer on {@code device} whose network starts from another one's weights (a warm start),
     * refusing weights of any configuration but {@code expected} with a {@link ConfigMismatchException}:
     *
     * <ul>
     *   <li>a checkpoint ({@value #KIND}): its online, predictor and target weights;
     *   <li>exported target weights ({@value Embedder#KIND}, what a model version carries): the target's, into the
     *       target and the online branch alike; the predictor starts as a fresh one of {@code expected}'s seed.
     * </ul>
     *
     * <p>Nothing else is taken: the AdamW moments start at zero and the step counters at 0, so the learning-rate
     * warmup and the EMA momentum schedule run again. Zero moments make Adam's first updates about lr in size
     * whatever the gradients, so a warmup is what keeps them from throwing the copied weights away; and the
     * schedules and step count belong to the new lineage, not to where its weights came from.
     */
    public static ExtremaTrainer warmStart(byte[] weights, ExtremaConfig expected, Device device) throws IOException {
        TensorArchive archive = TensorArchive.read(weights);
        boolean checkpoint = KIND.equals(archive.kind());
        if (!checkpoint && !Embedder.KIND.equals(archive.kind())) {
            throw new CheckpointException("expected a '" + KIND + "' or '" + Embedder.KIND
                    + "' archive but this one is '" + archive.kind() + "'");
        }
        archive.requireConfig(expected);
        ExtremaModel model = ExtremaModel.create(expected, device);
        try {
            archive.copyInto(model.targetParameters());
            archive.copyInto(checkpoint ? model.trainableParameters() : model.onlineUnderTargetNames());
            return new ExtremaTrainer(model);
        } catch (CheckpointException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The one "create a trainer, restore into it, close it if that fails". */
    private static ExtremaTrainer rebuild(TensorArchive archive, ExtremaConfig config, Device device)
            throws CheckpointException {
        ExtremaTrainer trainer = new ExtremaTrainer(ExtremaModel.create(config, device));
        try {
            restore(trainer, archive);
            return trainer;
        } catch (CheckpointException | RuntimeException e) {
            trainer.close();
            throw e;
        }
    }

    /** Restores into an existing trainer, whose configuration must equal the checkpoint's. */
    public static void restore(ExtremaTrainer trainer, byte[] bytes) throws IOException {
        TensorArchive archive = TensorArchive.read(bytes);
        archive.requireKind(KIND);
        archive.requireConfig(trainer.config());
        restore(trainer, archive);
    }

    private static TensorArchive read(Path file) throws IOException {
        TensorArchive archive = TensorArchive.read(Files.readAllBytes(file));
        archive.requireKind(KIND);
        return archive;
    }

    /** Weights, moments and counters of an archive whose kind and configuration have been checked. */
    private static void restore(ExtremaTrainer trainer, TensorArchive archive) throws CheckpointException {
        for (String key : COUNTERS) {
            String value = archive.state().get(key);
            if (value == null || !value.matches("-?\\d+")) {
                throw new CheckpointException("checkpoint state '" + key + "' is missing or not a number: " + value);
            }
        }
        ExtremaModel model = trainer.model();
        archive.copyInto(model.trainableParameters());
        archive.copyInto(model.targetParameters());
        archive.copyIntoArrays(trainer.optimizer().moments());
        trainer.restoreCounters(archive.state());
    }
}
