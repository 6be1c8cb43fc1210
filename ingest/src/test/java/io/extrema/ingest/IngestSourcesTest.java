package io.extrema.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.images.ImageLimits;
import io.extrema.images.ImageProbe;
import io.extrema.images.TestImages;
import io.extrema.images.source.TarBuilder;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LocalStackExtension.class)
class IngestSourcesTest {
    private final StackEndpoints stack;

    IngestSourcesTest(StackEndpoints stack) {
        this.stack = stack;
    }

    /** The 20 shipped CIFAR-10 JPEGs: relative path ({@code <class>/<n>.jpg}) to bytes. */
    static Map<String, byte[]> cifar() {
        try {
            Path root = Path.of(IngestSourcesTest.class.getResource("/cifar10").toURI());
            Map<String, byte[]> out = new TreeMap<>();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jpg"))::iterator) {
                    out.put(root.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
            return out;
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one ingest mode against {@code topic} with {@code settings} on top; the summary is printed. */
    private static int run(
            Topic topic, InputStream stdin, Map<String, String> settings, Function<IngestRun, Integer> mode) {
        Map<String, String> all = new HashMap<>(topic.settings());
        all.putAll(settings);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = mode.apply(new IngestRun(
                new IngestConfig(all),
                stdin,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream())));
        System.out.println(out.toString(StandardCharsets.UTF_8));
        return status;
    }

    private static int send(Topic topic, Path path, Map<String, String> settings) {
        return run(topic, InputStream.nullInputStream(), settings, r -> r.sendPath(path));
    }

    private static String reasonOf(DeadLetter letter) {
        return StandardCharsets.UTF_8
                .decode(letter.getHeaders().get("reason").duplicate())
                .toString();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }

    @Test
    void folderSendsEveryGoodImageAndDeadLettersEveryBadOne(@TempDir Path dir) throws IOException {
        Map<String, byte[]> cifar = cifar();
        for (var e : cifar.entrySet()) {
            Files.createDirectories(dir.resolve(e.getKey()).getParent());
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        byte[] good = cifar.values().iterator().next();
        Map<String, byte[]> bad = new TreeMap<>();
        bad.put("corrupt.jpg", corruptMarker(good));
        bad.put("truncated.jpg", Arrays.copyOf(good, good.length / 2));
        bad.put("empty.png", new byte[0]);
        bad.put("text.jpg", "just some text, not an image".getBytes(StandardCharsets.UTF_8));
        bad.put("bomb.png", TestImages.pngDeclaring(100_000, 100_000));
        Files.createDirectories(dir.resolve("bad"));
        for (var e : bad.entrySet()) Files.write(dir.resolve("bad").resolve(e.getKey()), e.getValue());

        Topic topic = Topic.create(stack);
        assertEquals(IngestRun.REFUSED, send(topic, dir, Map.of()));

        List<ConsumerRecord<String, ImageRecord>> records = topic.images();
        assertEquals(20, records.size());
        Map<String, ImageRecord> byId =
                records.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        for (var e : cifar.entrySet()) {
            String id = ImageRecords.sha256(e.getValue());
            ImageRecord r = byId.get(id);
            assertEquals(id, r.getId(), e.getKey());
            assertEquals(e.getKey().substring(0, e.getKey().indexOf('/')), r.getLabel());
            assertArrayEquals(e.getValue(), bytes(r.getData()));
            assertEquals(32, r.getWidth());
            assertEquals(32, r.getHeight());
            assertEquals(3, r.getChannels());
            assertEquals(ImageEncoding.JPEG, r.getEncoding());
            assertEquals(dir.toString(), r.getSource());
        }

        Map<String, DeadLetter> letters =
                topic.deadLetters().stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertEquals(
                Map.of(
                        "bad/corrupt.jpg",
                        "CORRUPT",
                        "bad/truncated.jpg",
                        "TRUNCATED",
                        "bad/empty.png",
                        "EMPTY",
                        "bad/text.jpg",
                        "NOT_AN_IMAGE",
                        "bad/bomb.png",
                        "TOO_WIDE"),
                letters.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> reasonOf(e.getValue()))));
        for (var e : bad.entrySet()) {
            DeadLetter letter = letters.get("bad/" + e.getKey());
            assertArrayEquals(e.getValue(), bytes(letter.getValue()), e.getKey());
            assertEquals("ingest", letter.getStage());
            assertTrue(letter.getReason().startsWith(reasonOf(letter)), letter.getReason());
        }
    }

    private static byte[] corruptMarker(byte[] jpeg) {
        byte[] b = jpeg.clone();
        b[4] = 0; // first segment length points into its middle
        b[5] = 3;
        return b;
    }

    @Test
    void tarGzWebDatasetShardKeepsLabelsAndAttributesWithKeyIds(@TempDir Path dir) throws IOException {
        Map<String, byte[]> cifar = cifar();
        List<byte[]> images = new ArrayList<>(cifar.values());
        TarBuilder shard = new TarBuilder()
                .file("sample-000.cls", "3")
                .file("sample-000.jpg", images.get(0))
                .file("sample-000.json", "{\"camera\": \"gate-2\", \"exposure\": 0.5}")
                .file("sample-001.jpg", images.get(1))
                .file("test/ship/0007.jpg", images.get(2))
                .file("test/ship/0008.jpg", new byte[0]);
        Path gz = dir.resolve("shard-000.tar.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(shard.tar());
        }
        Topic topic = Topic.create(stack);
        assertEquals(
                IngestRun.OK,
                send(topic, gz, Map.of("id.mode", "key", "tolerate.refused", "true", "source.name", "shards")));

        Map<String, ImageRecord> byId =
                topic.images().stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertEquals(
                List.of("sample-000.jpg", "sample-001.jpg", "test/ship/0007.jpg"),
                byId.keySet().stream().sorted().toList());
        ImageRecord first = byId.get("sample-000.jpg");
        assertEquals("3", first.getLabel());
        assertEquals(Map.of("camera", "gate-2", "exposure", "0.5"), first.getAttributes());
        assertArrayEquals(images.get(0), bytes(first.getData()));
        assertEquals("shards", first.getSource());
        assertNull(byId.get("sample-001.jpg").getLabel());
        assertEquals("ship", byId.get("test/ship/0007.jpg").getLabel());
        assertEquals(
                List.of("EMPTY"),
                topic.deadLetters().stream().map(r -> reasonOf(r.value())).toList());
    }

    @Test
    void standardInputSendsOneImage() {
        byte[] image = cifar().get("cat/0000.jpg");
        Topic topic = Topic.create(stack);
        assertEquals(IngestRun.OK, run(topic, new ByteArrayInputStream(image), Map.of(), IngestRun::sendStdin));
        List<ConsumerRecord<String, ImageRecord>> records = topic.images();
        assertEquals(1, records.size());
        assertEquals(ImageRecords.sha256(image), records.get(0).key());
        assertEquals("stdin", records.get(0).value().getSource());
        assertArrayEquals(image, bytes(records.get(0).value().getData()));
    }

    @Test
    void replayLoopsAtAFixedRateAndResizesOnlyWhenAsked(@TempDir Path dir) throws Exception {
        Map<String, byte[]> cifar = cifar();
        int n = 0;
        for (var e : cifar.entrySet()) {
            if (n++ == 3) break;
            Files.write(dir.resolve(e.getKey().replace('/', '-')), e.getValue());
        }
        Topic topic = Topic.create(stack);
        assertEquals(IngestRun.OK, send(topic, dir, Map.of("loops", "2", "rate", "50", "resize.max.side", "16")));
        List<ConsumerRecord<String, ImageRecord>> records = topic.images();
        assertEquals(6, records.size());
        assertEquals(3, records.stream().map(ConsumerRecord::key).distinct().count()); // same image, same id
        for (var r : records) {
            assertEquals(16, r.value().getWidth());
            assertEquals(ImageEncoding.JPEG, r.value().getEncoding());
            var header = ImageProbe.check(bytes(r.value().getData()), ImageLimits.defaults());
            assertEquals(16, header.width());
            assertEquals(16, header.height());
            assertEquals(ImageRecords.sha256(bytes(r.value().getData())), r.key());
        }
    }

    @Test
    void watchModeSendsNewFilesOnceFullyWritten(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.write(dir.resolve("in/already-there.jpg"), cifar().get("dog/0000.jpg"));
        Topic topic = Topic.create(stack);
        int[] status = {-1};
        Thread watcher = new Thread(() -> status[0] = run(
                topic,
                InputStream.nullInputStream(),
                Map.of("watch.settle.ms", "300"),
                r -> r.watch(dir.resolve("in"))));
        watcher.start();
        Thread.sleep(1000); // let the watch register
        byte[] image = cifar().get("frog/0001.jpg");
        Path target = dir.resolve("in/frogs/new.jpg");
        Files.createDirectories(target.getParent());
        try (var out = Files.newOutputStream(target)) { // written in two halves with a pause
            out.write(image, 0, image.length / 2);
            out.flush();
            Thread.sleep(100);
            out.write(image, image.length / 2, image.length - image.length / 2);
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        List<ConsumerRecord<String, ImageRecord>> records = topic.images();
        while (records.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            records = topic.images();
        }
        watcher.interrupt();
        watcher.join(30_000);
        assertEquals(IngestRun.OK, status[0]);
        records = topic.images();
        assertEquals(1, records.size());
        assertArrayEquals(image, bytes(records.get(0).value().getData()));
        assertEquals("frogs", records.get(0).value().getLabel());
        assertTrue(topic.deadLetters().isEmpty());
    }

    @Test
    void anUnreadableSourceEndsWithItsStatusAndTheSummary() {
        Topic topic = Topic.create(stack);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new IngestRun(
                        new IngestConfig(topic.settings()),
                        InputStream.nullInputStream(),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .sendPath(Path.of("/does/not/exist"));
        assertEquals(IngestRun.SOURCE, status);
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("cannot read the source"),
                err.toString(StandardCharsets.UTF_8));
        // The summary is the run's result: on standard output, each line capitalised like every command's output.
        assertTrue(
                out.toString(StandardCharsets.UTF_8).startsWith("Sent 0 images"), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\nRefused 0"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void producerSettingsAreTunedAndOverridable() {
        Map<String, String> settings = new HashMap<>(Map.of("kafka.linger.ms", "50", "kafka.compression.type", "lz4"));
        Map<String, Object> producer = new IngestConfig(settings).producerConfigs();
        assertEquals("all", producer.get("acks"));
        assertEquals(true, producer.get("enable.idempotence"));
        assertEquals("50", producer.get("linger.ms"));
        assertEquals("lz4", producer.get("compression.type"));
    }
}
