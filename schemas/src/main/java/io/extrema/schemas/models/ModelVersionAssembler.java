package io.extrema.schemas.models;

import io.extrema.schemas.avro.ModelChunk;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reassembles model versions from the models topic, in the order the records arrive, and verifies each one.
 *
 * <p>Chunks are held per version until its manifest arrives; then the version is either complete and verified
 * (every chunk present, each chunk's and the whole's SHA-256 and size as declared) or refused with the reason.
 * Not thread-safe: one consumer thread feeds it.
 */
public final class ModelVersionAssembler {

    /** What a manifest concluded: a verified version, or a refusal with its reason. */
    public sealed interface Outcome permits Verified, Refused {}

    public record Verified(ModelVersion version) implements Outcome {}

    public record Refused(String modelName, long version, String reason) implements Outcome {}

    private record VersionId(String modelName, long version) {}

    private final Map<VersionId, TreeMap<Integer, ModelChunk>> pending = new HashMap<>();

    /**
     * Feeds one record of the models topic. Tombstones (null part) are ignored.
     *
     * @return the outcome when this record was a manifest, else empty
     */
    public Optional<Outcome> accept(ModelPart part) {
        if (part == null) {
            return Optional.empty();
        }
        VersionId id = new VersionId(part.getModelName(), part.getVersion());
        if (part.getPart() instanceof ModelChunk chunk) {
            pending.computeIfAbsent(id, k -> new TreeMap<>()).put(chunk.getIndex(), chunk);
            return Optional.empty();
        }
        ModelManifest manifest = (ModelManifest) part.getPart();
        TreeMap<Integer, ModelChunk> chunks = pending.remove(id);
        // A manifest closes its version; older unfinished versions of the same lineage can never complete now.
        dropOlderThan(id);
        return Optional.of(verify(part, manifest, chunks == null ? new TreeMap<>() : chunks));
    }

    /** Number of versions with chunks but no manifest yet (bounded by the writers, visible for tests and metrics). */
    public int pendingVersions() {
        return pending.size();
    }

    private Outcome verify(ModelPart part, ModelManifest m, TreeMap<Integer, ModelChunk> chunks) {
        String name = part.getModelName();
        long version = part.getVersion();
        if (chunks.size() != m.getChunkCount()) {
            return new Refused(name, version, "expected " + m.getChunkCount() + " chunks, found " + chunks.size());
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, m.getSizeBytes()));
        int expectedIndex = 0;
        for (ModelChunk c : chunks.values()) {
            if (c.getIndex() != expectedIndex++) {
                return new Refused(name, version, "chunk " + (expectedIndex - 1) + " missing");
            }
            byte[] data = bytes(c.getData());
            if (!ModelVersionCodec.sha256(data).equals(c.getSha256())) {
                return new Refused(name, version, "chunk " + c.getIndex() + " fails its SHA-256 checksum");
            }
            all.writeBytes(data);
        }
        byte[] weights = all.toByteArray();
        if (weights.length != m.getSizeBytes()) {
            return new Refused(name, version, "size " + weights.length + " bytes, manifest says " + m.getSizeBytes());
        }
        if (!ModelVersionCodec.sha256(weights).equals(m.getSha256())) {
            return new Refused(name, version, "weights fail the manifest's SHA-256 checksum");
        }
        return new Verified(new ModelVersion(
                name,
                version,
                part.getStep(),
                m.getFormat(),
                m.getConfig(),
                m.getMetrics(),
                weights,
                m.getCreatedAt().toEpochMilli()));
    }

    private void dropOlderThan(VersionId closed) {
        Iterator<VersionId> it = pending.keySet().iterator();
        while (it.hasNext()) {
            VersionId v = it.next();
            if (v.modelName().equals(closed.modelName()) && v.version() < closed.version()) {
                it.remove();
            }
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
