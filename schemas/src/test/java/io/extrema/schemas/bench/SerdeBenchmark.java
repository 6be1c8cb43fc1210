package io.extrema.schemas.bench;

import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.serde.SpecificAvroSerde;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Serde throughput, in process, one thread: ImageRecords with 2 KB image payloads through
 * {@link SpecificAvroSerde} (serialize + deserialize), next to Kafka's ByteArraySerializer/Deserializer on the same
 * payload bytes in the same run. The registry is asked once per schema (first record), so after warm-up no
 * request is made.
 *
 * <pre>mvn -o -q -pl schemas test-compile exec:exec@serde-bench [-Dbench.args="--registry-url URL --out FILE"]</pre>
 *
 * Without {@code --registry-url} it starts the local stack (broker + registry processes) for the first lookups.
 */
public final class SerdeBenchmark {

    private static final int PAYLOAD = 2048;
    private static final int RECORDS = 1024;
    private static final String TOPIC = "bench.images";

    public static void main(String[] args) throws IOException {
        String registryUrl = arg(args, "--registry-url", null);
        String out = arg(args, "--out", null);
        double warmupSeconds = Double.parseDouble(arg(args, "--warmup-seconds", "5"));
        double roundSeconds = Double.parseDouble(arg(args, "--round-seconds", "3"));
        int rounds = Integer.parseInt(arg(args, "--rounds", "5"));

        LocalStack stack = null;
        Path stateDir = null;
        try {
            if (registryUrl == null) {
                // Same layout as the tests' stack: the registry unpacked once under target/, state per process.
                Path base = Path.of(System.getProperty("extrema.stack.dir", "target/extrema-stack"))
                        .toAbsolutePath();
                stateDir = base.resolve("bench-" + ProcessHandle.current().pid());
                stack = LocalStack.start(StackSettings.defaults(stateDir)
                        .withRegistryHome(base.resolve("registry"))
                        .withFreePorts());
                registryUrl = stack.endpoints().registryUrl();
            }
            String report = run(registryUrl, warmupSeconds, roundSeconds, rounds, String.join(" ", args));
            System.out.println(report);
            if (out != null) {
                Files.writeString(Path.of(out), report);
            }
        } finally {
            if (stack != null) {
                stack.close();
                LocalStack.deleteState(stateDir);
            }
        }
    }

    private static String run(String registryUrl, double warmup, double roundSeconds, int rounds, String args)
            throws IOException {
        List<ImageRecord> records = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        Random random = new Random(42);
        for (int i = 0; i < RECORDS; i++) {
            byte[] data = new byte[PAYLOAD];
            random.nextBytes(data);
            payloads.add(data);
            records.add(ImageRecord.newBuilder()
                    .setId("sha256:" + Long.toHexString(random.nextLong()))
                    .setSource("bench")
                    .setEventTime(Instant.ofEpochMilli(1_764_000_000_000L + i))
                    .setEncoding(ImageEncoding.JPEG)
                    .setWidth(32)
                    .setHeight(32)
                    .setChannels(3)
                    .setData(ByteBuffer.wrap(data))
                    .setLabel("class-" + (i % 10))
                    .setAttributes(Map.of())
                    .build());
        }

        try (SpecificAvroSerde<ImageRecord> serde =
                        SpecificAvroSerde.forValues(ImageRecord.class, Map.of("schema.registry.url", registryUrl));
                ByteArraySerializer bytesOut = new ByteArraySerializer();
                ByteArrayDeserializer bytesIn = new ByteArrayDeserializer()) {
            var ser = serde.serializer();
            var de = serde.deserializer();
            byte[][] wire = new byte[RECORDS][];
            for (int i = 0; i < RECORDS; i++) {
                wire[i] = ser.serialize(TOPIC, records.get(i)); // registers once, then cached
            }
            long avroWireBytes = Arrays.stream(wire).mapToLong(b -> b.length).sum();

            ToLongFunction<Integer> avroRoundTrip = i -> {
                byte[] b = ser.serialize(TOPIC, records.get(i));
                return de.deserialize(TOPIC, b).getData().remaining();
            };
            ToLongFunction<Integer> avroSerialize = i -> ser.serialize(TOPIC, records.get(i)).length;
            ToLongFunction<Integer> avroDeserialize =
                    i -> de.deserialize(TOPIC, wire[i]).getData().remaining();
            ToLongFunction<Integer> bytesRoundTrip =
                    i -> bytesIn.deserialize(TOPIC, bytesOut.serialize(TOPIC, payloads.get(i))).length;
            // What any serializer producing a fresh array must at least do: one copy of the wire bytes each way.
            ToLongFunction<Integer> copyRoundTrip =
                    i -> Arrays.copyOf(Arrays.copyOf(wire[i], wire[i].length), wire[i].length).length;

            double avroBytesPerRecord = (double) avroWireBytes / RECORDS;
            List<String[]> rows = new ArrayList<>();
            for (var c : List.<Object[]>of(
                    new Object[] {
                        "ByteArraySerializer + ByteArrayDeserializer (2048 B payload)", bytesRoundTrip, (double) PAYLOAD
                    },
                    new Object[] {"array copy each way (wire-size bytes)", copyRoundTrip, avroBytesPerRecord},
                    new Object[] {"SpecificAvroSerde serialize + deserialize", avroRoundTrip, avroBytesPerRecord},
                    new Object[] {"SpecificAvroSerializer only", avroSerialize, avroBytesPerRecord},
                    new Object[] {"SpecificAvroDeserializer only", avroDeserialize, avroBytesPerRecord})) {
                @SuppressWarnings("unchecked")
                ToLongFunction<Integer> op = (ToLongFunction<Integer>) c[1];
                measure(op, warmup); // warm-up: JIT, caches
                double[] perSec = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    perSec[r] = measure(op, roundSeconds);
                }
                Arrays.sort(perSec);
                double median = perSec[rounds / 2];
                double mbPerSec = median * (double) c[2] / 1e6;
                rows.add(new String[] {
                    (String) c[0],
                    String.format("%,.0f", median),
                    String.format("%,.0f", perSec[0]) + " - " + String.format("%,.0f", perSec[rounds - 1]),
                    String.format("%.0f", mbPerSec)
                });
            }
            return report(rows, avroBytesPerRecord, args, warmup, roundSeconds, rounds);
        }
    }

    private static long sink;

    /** Records per second of {@code op} over about {@code seconds}. */
    private static double measure(ToLongFunction<Integer> op, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long n = 0;
        long acc = 0;
        long elapsed;
        do {
            for (int i = 0; i < RECORDS; i++) {
                acc += op.applyAsLong(i);
            }
            n += RECORDS;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budget);
        sink += acc; // keeps the work observable
        return n / (elapsed / 1e9);
    }

    private static String report(
            List<String[]> rows, double avroBytes, String args, double warmup, double round, int rounds)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# Serde throughput\n\n");
        sb.append("ImageRecord with a 2048-byte image payload (")
                .append(String.format("%.0f", avroBytes))
                .append(" bytes on the wire incl. the 5-byte header), one thread, in process, serdes reused, ")
                .append("registry asked only for the first record. Median of ")
                .append(rounds)
                .append(" rounds of ")
                .append(round)
                .append(" s after a ")
                .append(warmup)
                .append(" s warm-up per case; MB = 10^6 bytes ")
                .append("of wire payload.\n\n");
        sb.append("| case | records/s (median) | min - max | MB/s |\n|---|---:|---:|---:|\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        double avro = Double.parseDouble(rows.get(2)[1].replace(",", ""));
        double copy = Double.parseDouble(rows.get(1)[1].replace(",", ""));
        double bytes = Double.parseDouble(rows.get(0)[1].replace(",", ""));
        sb.append(String.format(
                "%nAvro round trip / ByteArraySerializer round trip: %.3f; / array copy each way: %.2f.%n",
                avro / bytes, avro / copy));
        sb.append("\nByteArraySerializer and ByteArrayDeserializer return the array they are given (no copy), so that "
                + "baseline measures only the call overhead; the copy baseline is the floor for any serde that "
                + "produces a fresh array.\n\n");
        sb.append("Machine: ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs (nproc), ")
                .append(cpuModel())
                .append(", Java ")
                .append(System.getProperty("java.version"))
                .append(" (")
                .append(System.getProperty("java.vm.name"))
                .append(")\n\n");
        sb.append("Command: `mvn -o -q -pl schemas test-compile exec:exec@serde-bench")
                .append(args.isBlank() ? "" : " -Dbench.args=\"" + args + "\"")
                .append("`\n\n");
        sb.append("Date: ")
                .append(Instant.now().atOffset(ZoneOffset.UTC).toLocalDate())
                .append("\n");
        return sb.toString();
    }

    private static String cpuModel() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(info)) {
            return "CPU model unknown";
        }
        return Files.readAllLines(info).stream()
                .filter(l -> l.startsWith("model name"))
                .findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElse("CPU model unknown");
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private SerdeBenchmark() {}
}
