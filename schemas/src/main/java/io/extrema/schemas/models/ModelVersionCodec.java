package io.extrema.schemas.models;

import io.extrema.schemas.avro.ModelChunk;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Cuts a model version into records for the models topic and names their keys.
 *
 * <p>A version is its chunks in index order followed by its manifest, all on the one partition of the models topic,
 * so a reader that sees the manifest has seen every chunk before it. Every part has its own key, so compaction keeps
 * all of them; retiring a version means a tombstone for each of its keys ({@link #keys}).
 */
public final class ModelVersionCodec {
    /** 768 KiB: with framing and headers a chunk stays under Kafka's default 1 MiB record and request limits. */
    public static final int DEFAULT_CHUNK_SIZE = 768 * 1024;

    /** A record to send: its key and its value. */
    public record KeyedPart(String key, ModelPart part) {}

    public static List<KeyedPart> toParts(ModelVersion v, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be positive: " + chunkSize);
        }
        byte[] w = v.weights();
        int chunkCount = Math.max(1, (w.length + chunkSize - 1) / chunkSize);
        List<KeyedPart> parts = new ArrayList<>(chunkCount + 1);
        for (int i = 0; i < chunkCount; i++) {
            byte[] chunk = Arrays.copyOfRange(w, i * chunkSize, Math.min(w.length, (i + 1) * chunkSize));
            ModelChunk c = new ModelChunk(i, ByteBuffer.wrap(chunk), sha256(chunk));
            parts.add(new KeyedPart(chunkKey(v.modelName(), v.version(), i), part(v, c)));
        }
        ModelManifest manifest = ModelManifest.newBuilder()
                .setCreatedAt(java.time.Instant.ofEpochMilli(v.createdAt()))
                .setFormat(v.format())
                .setSizeBytes(w.length)
                .setSha256(sha256(w))
                .setChunkCount(chunkCount)
                .setChunkSize(chunkSize)
                .setConfig(v.config())
                .setMetrics(v.metrics())
                .build();
        parts.add(new KeyedPart(manifestKey(v.modelName(), v.version()), part(v, manifest)));
        return parts;
    }

    /** Every key a version occupies, for tombstones when it is retired. */
    public static List<String> keys(String modelName, long version, int chunkCount) {
        List<String> keys = new ArrayList<>(chunkCount + 1);
        for (int i = 0; i < chunkCount; i++) {
            keys.add(chunkKey(modelName, version, i));
        }
        keys.add(manifestKey(modelName, version));
        return keys;
    }

    /**
     * The version a models-topic key of {@code modelName} belongs to, read from the key alone: what a reader still
     * knows of a record whose value it cannot read.
     */
    public static java.util.OptionalLong versionOfKey(String modelName, String key) {
        String prefix = modelName + "/";
        if (key == null || !key.startsWith(prefix) || key.length() < prefix.length() + 19) {
            return java.util.OptionalLong.empty();
        }
        try {
            return java.util.OptionalLong.of(Long.parseLong(key.substring(prefix.length(), prefix.length() + 19)));
        } catch (NumberFormatException notOurs) {
            return java.util.OptionalLong.empty();
        }
    }

    // Zero-padded so keys sort in version and chunk order in any tool that lists them.
    static String chunkKey(String modelName, long version, int index) {
        return String.format("%s/%019d/chunk/%06d", modelName, version, index);
    }

    /** The key of a version's manifest record, {@code <model name>/<version, 19 digits>/manifest}. */
    public static String manifestKey(String modelName, long version) {
        return String.format("%s/%019d/manifest", modelName, version);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static ModelPart part(ModelVersion v, Object body) {
        return new ModelPart(v.modelName(), v.version(), v.step(), body);
    }

    private ModelVersionCodec() {}
}
