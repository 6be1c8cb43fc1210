package io.extrema.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.trainer.offsets.PartitionPosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    private static TrainerState state(long step) {
        return new TrainerState(
                step,
                "m",
                new TreeMap<>(Map.of(3L, 2, 4L, 1)),
                step * 10,
                step * 2.5,
                Map.of(new TopicPartition("images", 1), new PartitionPosition(7, 12, new long[] {9, 7})));
    }

    @Test
    void savesAtomicallyReadsBackTheNewestAndKeepsTheConfiguredCount(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 2);
        for (long step = 100; step <= 400; step += 100) {
            long s = step;
            store.save(state(step), model -> Files.writeString(model.resolve("weights"), "w" + s));
        }
        CheckpointStore.Stored latest = store.latest().orElseThrow();
        assertEquals(state(400), latest.state());
        assertEquals("w400", Files.readString(latest.modelDir().resolve("weights")));
        assertTrue(Files.exists(latest.dir().resolve(CheckpointStore.OFFSETS_FILE)), "offsets live next to the model");
        assertEquals(2, store.complete().size());
    }

    @Test
    void aSaveThatFailsHalfwayLeavesThePreviousCheckpoint(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 2);
        store.save(state(100), model -> Files.writeString(model.resolve("weights"), "ok"));
        assertThrows(
                IOException.class,
                () -> store.save(state(200), model -> {
                    Files.writeString(model.resolve("weights"), "half");
                    throw new IOException("disk full");
                }));
        assertEquals(100, store.latest().orElseThrow().state().step());
        // The next good save also clears the failed temporary.
        store.save(state(300), model -> Files.writeString(model.resolve("weights"), "ok"));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "temporaries are cleaned");
        }
    }
}
