package io.extrema.schemas.models;

import static org.junit.jupiter.api.Assertions.*;

import io.extrema.schemas.avro.ModelChunk;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.models.ModelVersionAssembler.Outcome;
import io.extrema.schemas.models.ModelVersionAssembler.Refused;
import io.extrema.schemas.models.ModelVersionAssembler.Verified;
import io.extrema.schemas.models.ModelVersionCodec.KeyedPart;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelVersionAssemblerTest {

    private static ModelVersion version(long v, int size) {
        byte[] weights = new byte[size];
        new Random(v).nextBytes(weights);
        return new ModelVersion(
                "run-a",
                v,
                100 * v,
                "extrema-weights-v1",
                Map.of("dim", "192"),
                Map.of("loss", 0.5),
                weights,
                1_700_000_000_000L);
    }

    private static Optional<Outcome> feed(ModelVersionAssembler a, List<KeyedPart> parts) {
        Optional<Outcome> last = Optional.empty();
        for (KeyedPart p : parts) {
            last = a.accept(p.part());
        }
        return last;
    }

    @Test
    void reassemblesAVersionChunkedIntoManyParts() {
        ModelVersion v = version(3, 10_000);
        List<KeyedPart> parts = ModelVersionCodec.toParts(v, 1024);
        assertEquals(10 + 1, parts.size(), "10 chunks and a manifest");
        assertTrue(parts.get(parts.size() - 1).key().endsWith("/manifest"));
        assertEquals(parts.size(), parts.stream().map(KeyedPart::key).distinct().count(), "every part has its own key");

        Outcome outcome = feed(new ModelVersionAssembler(), parts).orElseThrow();
        ModelVersion back = assertInstanceOf(Verified.class, outcome).version();
        assertArrayEquals(v.weights(), back.weights());
        assertEquals(v.step(), back.step());
        assertEquals(v.config(), back.config());
        assertEquals(v.metrics(), back.metrics());
        assertEquals(
                ModelVersionCodec.keys("run-a", 3, 10),
                parts.stream().map(KeyedPart::key).toList());
    }

    @Test
    void refusesAVersionWithACorruptChunk() {
        List<KeyedPart> parts = ModelVersionCodec.toParts(version(4, 5000), 1024);
        ModelChunk chunk = (ModelChunk) parts.get(2).part().getPart();
        ByteBuffer data = chunk.getData();
        data.put(0, (byte) (data.get(0) ^ 0x55));

        Outcome outcome = feed(new ModelVersionAssembler(), parts).orElseThrow();
        Refused refused = assertInstanceOf(Refused.class, outcome);
        assertTrue(refused.reason().contains("chunk 2"), refused.reason());
    }

    @Test
    void refusesAVersionWithAMissingChunkAndForgetsUnfinishedOlderVersions() {
        ModelVersionAssembler a = new ModelVersionAssembler();
        List<KeyedPart> older = ModelVersionCodec.toParts(version(5, 3000), 1024);
        feed(a, older.subList(0, 2)); // version 5 never completes
        List<KeyedPart> parts = ModelVersionCodec.toParts(version(6, 3000), 1024);
        List<ModelPart> withoutOne = parts.stream()
                .map(KeyedPart::part)
                .filter(p -> !(p.getPart() instanceof ModelChunk c && c.getIndex() == 1))
                .toList();
        Optional<Outcome> last = Optional.empty();
        for (ModelPart p : withoutOne) {
            last = a.accept(p);
        }
        assertInstanceOf(Refused.class, last.orElseThrow());
        assertEquals(0, a.pendingVersions(), "the manifest of 6 closes the unfinished version 5");
        assertTrue(a.accept(null).isEmpty(), "tombstones are ignored");
    }
}
