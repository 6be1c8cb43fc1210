package io.extrema.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.JsonSyntaxException;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.InPlace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One self-checking file of named float32 tensors plus a JSON header (see docs/checkpoints.md):
 *
 * <pre>
 *   8 bytes  magic "EXTREMA\0"
 *   4 bytes  format version (big-endian int, currently 1)
 *   4 bytes  header length L (big-endian int)
 *   L bytes  header, UTF-8 JSON: {"kind", "config": {setting: text}, "state": {key: text},
 *            "tensors": [{"name", "shape": [..]}]}
 *   ...      each tensor's float32 values, little-endian, row-major, in header order
 *   32 bytes SHA-256 of every byte before it
 * </pre>
 *
 * The checksum is verified before anything is parsed, so a corrupt file never half-loads.
 */
public final class TensorArchive {

    private static final byte[] MAGIC = "EXTREMA\0".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final Gson GSON = new Gson();

    /** Header as stored (field names are the JSON keys). */
    private static final class Header {
        String kind;
        Map<String, String> config;
        Map<String, String> state;
        List<TensorEntry> tensors;
    }

    private static final class TensorEntry {
        String name;
        long[] shape;

        long size() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }
    }

    private final Header header;
    private final Map<String, float[]> values;

    private TensorArchive(Header header, Map<String, float[]> values) {
        this.header = header;
        this.values = values;
    }

    /** Writes tensors (read from their arrays, in map order) with a kind, the config and extra state. */
    public static byte[] write(
            String kind, ExtremaConfig config, Map<String, String> state, Map<String, NDArray> tensors) {
        Header h = new Header();
        h.kind = kind;
        h.config = config.toMap();
        h.state = new LinkedHashMap<>(state);
        h.tensors = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            TensorEntry t = new TensorEntry();
            t.name = e.getKey();
            t.shape = e.getValue().getShape().getShape();
            h.tensors.add(t);
        }
        byte[] json = GSON.toJson(h).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 8).order(ByteOrder.BIG_ENDIAN);
        head.put(MAGIC).putInt(VERSION).putInt(json.length);
        out.writeBytes(head.array());
        out.writeBytes(json);
        for (NDArray a : tensors.values()) {
            float[] f = a.toFloatArray();
            ByteBuffer buf = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(f);
            out.writeBytes(buf.array());
        }
        out.writeBytes(sha256(out.toByteArray(), out.size()));
        return out.toByteArray();
    }

    /** Verifies magic, version and checksum, then parses. Every failure names what is wrong. */
    public static TensorArchive read(byte[] bytes) throws IOException {
        if (bytes.length < MAGIC.length + 8 + 32) {
            throw new CheckpointException("not an ExtreMA tensor archive: only " + bytes.length + " bytes");
        }
        if (!Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new CheckpointException("not an ExtreMA tensor archive: bad magic bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            throw new CheckpointException(
                    "unsupported tensor archive version " + version + " (this build reads " + VERSION + ")");
        }
        int body = bytes.length - 32;
        byte[] expected = Arrays.copyOfRange(bytes, body, bytes.length);
        if (!MessageDigest.isEqual(expected, sha256(bytes, body))) {
            throw new CheckpointException("checksum mismatch: the archive is corrupt or truncated");
        }
        int headerLength = in.getInt();
        if (headerLength < 0 || headerLength > body - in.position()) {
            throw new CheckpointException("bad header length " + headerLength);
        }
        Header h;
        try {
            h = GSON.fromJson(new String(bytes, in.position(), headerLength, StandardCharsets.UTF_8), Header.class);
        } catch (JsonSyntaxException e) {
            throw new CheckpointException("unreadable archive header: " + e.getMessage());
        }
        if (h == null || h.tensors == null || h.config == null) {
            throw new CheckpointException("archive header lacks tensors or config");
        }
        in.position(in.position() + headerLength).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (TensorEntry t : h.tensors) {
            long n = t.size();
            if (n * 4 > body - in.position()) {
                throw new CheckpointException("tensor '" + t.name + "' runs past the end of the archive");
            }
            float[] f = new float[(int) n];
            in.asFloatBuffer().get(f);
            in.position(in.position() + f.length * 4);
            values.put(t.name, f);
        }
        if (in.position() != body) {
            throw new CheckpointException((body - in.position()) + " unexpected bytes after the last tensor");
        }
        if (h.state == null) {
            h.state = Map.of();
        }
        return new TensorArchive(h, values);
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    public String kind() {
        return header.kind;
    }

    public ExtremaConfig config() throws CheckpointException {
        try {
            return ExtremaConfig.fromMap(header.config);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("archive configuration is invalid: " + e.getMessage());
        }
    }

    public Map<String, String> state() {
        return header.state;
    }

    public void requireKind(String kind) throws CheckpointException {
        if (!kind.equals(header.kind)) {
            throw new CheckpointException("expected a '" + kind + "' archive but this one is '" + header.kind + "'");
        }
    }

    /**
     * The one comparison of a stored configuration with the expected one: fails with a
     * {@link ConfigMismatchException} listing the differing settings unless the archive was written with exactly
     * {@code expected}, {@link ExtremaConfig#ARITHMETIC_ONLY the settings of arithmetic alone} aside: an fp16 run's
     * weights resume in fp32 on a CPU as they are.
     */
    public void requireConfig(ExtremaConfig expected) throws CheckpointException {
        Map<String, String> want = expected.toMap();
        Map<String, String> have = config().toMap(); // parsed, so settings added later compare by their implied value
        List<String> diff = new ArrayList<>();
        for (String key : new TreeSet<>(want.keySet())) {
            if (!ExtremaConfig.ARITHMETIC_ONLY.contains(key) && !want.get(key).equals(have.get(key))) {
                diff.add(key + "=" + have.get(key) + " (expected " + want.get(key) + ")");
            }
        }
        if (!diff.isEmpty()) {
            throw new ConfigMismatchException(diff);
        }
    }

    /** Copies every named tensor into the parameter of the same name; names and shapes must match exactly. */
    public void copyInto(Map<String, Parameter> parameters) throws CheckpointException {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            arrays.put(e.getKey(), e.getValue().getArray());
        }
        copyIntoArrays(arrays);
    }

    /** As {@link #copyInto(Map)} for plain arrays (optimiser moments). */
    public void copyIntoArrays(Map<String, NDArray> arrays) throws CheckpointException {
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            float[] f = values.get(e.getKey());
            if (f == null) {
                throw new CheckpointException("archive lacks tensor '" + e.getKey() + "'");
            }
            long[] stored = shapeOf(e.getKey());
            Shape want = e.getValue().getShape();
            if (!Arrays.equals(stored, want.getShape())) {
                throw new CheckpointException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(stored)
                        + " in the archive but " + want + " in the model");
            }
        }
        arrays.forEach((name, array) -> InPlace.copy(values.get(name), array));
    }

    private long[] shapeOf(String name) {
        for (TensorEntry t : header.tensors) {
            if (t.name.equals(name)) {
                return t.shape;
            }
        }
        return null;
    }
}
