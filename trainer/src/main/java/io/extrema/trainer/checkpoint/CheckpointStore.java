package io.extrema.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.extrema.trainer.offsets.PartitionPosition;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints in a local directory, one sub-directory per step: the model's own checkpoint files, the consumer
 * offsets the weights reflect ({@value #OFFSETS_FILE}) and the trainer's bookkeeping ({@value #STATE_FILE}).
 *
 * <p>A checkpoint is written to a hidden temporary directory, every file forced to disk, then renamed into place
 * in one atomic step: a crash at any moment leaves either the complete new checkpoint or none, and the newest
 * complete one is what {@link #latest()} returns. Older ones beyond {@code keep} are deleted afterwards.
 */
public final class CheckpointStore {
    public static final String OFFSETS_FILE = "offsets.json";
    public static final String STATE_FILE = "trainer.json";
    public static final String MODEL_DIR = "model";
    /** The model's {@code Checkpoint} file in {@value #MODEL_DIR}. */
    public static final String MODEL_FILE = "extrema.ckpt";

    private static final String PREFIX = "step-";
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the model's checkpoint files into the given (empty, existing) directory. */
    @FunctionalInterface
    public interface ModelWriter {
        void write(Path modelDir) throws IOException;
    }

    /** A complete checkpoint on disk. */
    public record Stored(Path dir, TrainerState state) {
        public Path modelDir() {
            return dir.resolve(MODEL_DIR);
        }

        public Path modelFile() {
            return modelDir().resolve(MODEL_FILE);
        }
    }

    private final Path root;
    private final int keep;

    public CheckpointStore(Path root, int keep) {
        this.root = root;
        this.keep = keep;
    }

    public Stored save(TrainerState state, ModelWriter model) throws IOException {
        Files.createDirectories(root);
        String name = String.format("%s%012d", PREFIX, state.step());
        Path tmp = root.resolve("." + name + ".tmp-" + System.nanoTime());
        Files.createDirectories(tmp.resolve(MODEL_DIR));
        model.write(tmp.resolve(MODEL_DIR));
        Files.writeString(
                tmp.resolve(OFFSETS_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(offsetsJson(state.offsets())));
        Files.writeString(
                tmp.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(stateJson(state)));
        syncTree(tmp);
        Path target = root.resolve(name);
        if (Files.exists(target)) {
            // The same step checkpointed again (shutdown right after a periodic checkpoint): replace it whole.
            deleteTree(target);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            deleteTree(tmp);
            throw new IOException("checkpoint directory " + root + " does not support atomic renames", e);
        }
        sync(root);
        prune();
        return new Stored(target, state);
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Stored> latest() throws IOException {
        for (Path dir : complete()) {
            try {
                return Optional.of(new Stored(dir, read(dir)));
            } catch (IOException e) {
                // Cannot happen for a renamed checkpoint unless the disk lied; fall back to the one before.
                log.warn("checkpoint {} unreadable, trying an older one", dir, e);
            }
        }
        return Optional.empty();
    }

    /**
     * The model file of a checkpoint named by path: the path itself when it is a file, else the newest complete
     * checkpoint's in the directory it names; empty when there is none.
     */
    public static Optional<Path> modelFile(Path fileOrDirectory) throws IOException {
        if (Files.isRegularFile(fileOrDirectory)) {
            return Optional.of(fileOrDirectory);
        }
        return new CheckpointStore(fileOrDirectory, Integer.MAX_VALUE).latest().map(Stored::modelFile);
    }

    /** Complete checkpoints, newest first. */
    public List<Path> complete() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString())
                            .reversed())
                    .toList();
        }
    }

    private void prune() throws IOException {
        List<Path> all = complete();
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
            deleteTree(old);
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path stale : s.filter(p -> p.getFileName().toString().startsWith("." + PREFIX))
                    .toList()) {
                deleteTree(stale); // temporaries of a crashed save
            }
        }
    }

    private static TrainerState read(Path dir) throws IOException {
        JsonNode st = JSON.readTree(dir.resolve(STATE_FILE).toFile());
        SortedMap<Long, Integer> versions = new TreeMap<>();
        for (JsonNode v : st.path("publishedVersions")) {
            versions.put(v.get("version").asLong(), v.get("chunks").asInt());
        }
        Map<TopicPartition, PartitionPosition> offsets = new HashMap<>();
        for (JsonNode o : JSON.readTree(dir.resolve(OFFSETS_FILE).toFile())) {
            long[] pending = new long[o.get("pending").size()];
            for (int i = 0; i < pending.length; i++) {
                pending[i] = o.get("pending").get(i).asLong();
            }
            offsets.put(
                    new TopicPartition(
                            o.get("topic").asText(), o.get("partition").asInt()),
                    new PartitionPosition(
                            o.get("next").asLong(), o.get("highestSeen").asLong(), pending));
        }
        return new TrainerState(
                st.get("step").asLong(),
                st.get("modelName").asText(),
                versions,
                st.get("imagesTrained").asLong(),
                st.path("replayCredit").asDouble(0),
                offsets);
    }

    private static ObjectNode stateJson(TrainerState s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", s.step());
        n.put("modelName", s.modelName());
        n.put("imagesTrained", s.imagesTrained());
        n.put("replayCredit", s.replayCredit());
        ArrayNode versions = n.putArray("publishedVersions");
        s.publishedVersions()
                .forEach((v, chunks) -> versions.addObject().put("version", v).put("chunks", chunks));
        return n;
    }

    private static ArrayNode offsetsJson(Map<TopicPartition, PartitionPosition> offsets) {
        ArrayNode a = JSON.createArrayNode();
        offsets.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TopicPartition, PartitionPosition> e) ->
                                e.getKey().topic())
                        .thenComparingInt(e -> e.getKey().partition()))
                .forEach(e -> {
                    ObjectNode o = a.addObject();
                    o.put("topic", e.getKey().topic());
                    o.put("partition", e.getKey().partition());
                    o.put("next", e.getValue().next());
                    o.put("highestSeen", e.getValue().highestSeen());
                    ArrayNode pending = o.putArray("pending");
                    for (long p : e.getValue().pending()) {
                        pending.add(p);
                    }
                });
        return a;
    }

    private static void syncTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                sync(p);
            }
        }
    }

    private static void sync(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            // Directory fsync makes the renames and new entries durable on Linux; other systems may refuse it.
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException e) {
                log.debug("directory fsync not supported for {}", p);
            }
        } else {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
