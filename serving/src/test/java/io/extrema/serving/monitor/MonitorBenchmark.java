package io.extrema.serving.monitor;

import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Monitor topology figures on a real local stack (a main, not a test):
 * <ol>
 *   <li>throughput: N embeddings already on the topic, read by the monitor from the start, against a plain consumer
 *   that reads and Avro-decodes the same records in the same process (the ratio is what travels between machines);</li>
 *   <li>added latency: embeddings produced live at a steady rate in 1 s windows; for each window, the time from its
 *   end until its monitor record is readable.</li>
 * </ol>
 * {@code mvn -o -q -pl serving test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test
 * -Dexec.args="-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro -classpath %classpath
 * io.extrema.serving.monitor.MonitorBenchmark --embeddings 50000 --dim 256"}
 */
public final class MonitorBenchmark {
    // The monitor's Kafka Streams threads (--stream-threads): its two sub-topologies can run on two cores.
    private static int streamThreads = 1;
    // Further monitor or Kafka Streams settings (--set k=v,k=v), e.g. commit.interval.ms, to try without a rebuild.
    private static final Map<String, Object> settings = new HashMap<>();

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(arg(args, "--embeddings", "50000"));
        int dim = Integer.parseInt(arg(args, "--dim", "256"));
        int sources = Integer.parseInt(arg(args, "--sources", "4"));
        int rate = Integer.parseInt(arg(args, "--rate", "1000"));
        int seconds = Integer.parseInt(arg(args, "--latency-seconds", "20"));
        streamThreads = Integer.parseInt(arg(args, "--stream-threads", "1"));
        String extra = arg(args, "--set", "");
        for (String kv : extra.isBlank() ? new String[0] : extra.split(",")) {
            settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        Path base = Path.of(System.getProperty("extrema.stack.dir", "target/extrema-stack"))
                .toAbsolutePath();
        Path stateDir = base.resolve("monitor-bench-" + ProcessHandle.current().pid());
        try (LocalStack stack = LocalStack.start(StackSettings.defaults(stateDir)
                .withRegistryHome(base.resolve("registry"))
                .withFreePorts())) {
            StackEndpoints endpoints = stack.endpoints();
            System.out.printf(
                    "monitor benchmark: %d embeddings of dim %d over %d sources; live %d/s for %d s; %d stream"
                            + " thread(s)%n",
                    n, dim, sources, rate, seconds, streamThreads);
            throughput(endpoints, stateDir, n, dim, sources);
            latency(endpoints, stateDir, dim, sources, rate, seconds);
        } finally {
            LocalStack.deleteState(stateDir);
        }
    }

    private static void throughput(StackEndpoints stack, Path stateDir, int n, int dim, int sources) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        Topics t = Topics.create(stack, run);
        MonitorSerdes serdes = MonitorSerdes.of(Map.of("schema.registry.url", stack.registryUrl()));
        Random random = new Random(1);
        // Recent timestamps: records older than the broker's retention (7 days) may be deleted while we read them.
        long t0 = (System.currentTimeMillis() - Duration.ofHours(3).toMillis()) / 10_000 * 10_000;
        int perWindow = 1000;
        try (KafkaProducer<String, byte[]> producer = producer(stack)) {
            for (int i = 0; i < n; i++) {
                long time = t0 + (long) (i / (double) perWindow * 10_000); // 10 s windows of about 1000 embeddings
                producer.send(new ProducerRecord<>(
                        t.embeddings,
                        null,
                        time,
                        "img-" + i,
                        serdes.embeddings()
                                .serializer()
                                .serialize(t.embeddings, embedding(i, dim, sources, random, time))));
            }
            // One record far ahead closes every window.
            long closer = t0 + (long) (n / (double) perWindow * 10_000) + 20_000;
            producer.send(new ProducerRecord<>(
                    t.embeddings,
                    null,
                    closer,
                    "closer",
                    serdes.embeddings().serializer().serialize(t.embeddings, embedding(n, dim, 1, random, closer))));
        }
        int windows = (int) Math.ceil(n / (double) perWindow) * sources;

        // Baseline: a plain consumer reading and decoding the same records.
        long b0 = System.nanoTime();
        int read = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "baseline-" + run,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(t.embeddings));
            long first = 0;
            while (read < n + 1) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (first == 0) {
                        first = System.nanoTime();
                        b0 = first;
                    }
                    serdes.embeddings().deserializer().deserialize(r.topic(), r.value());
                    read++;
                }
            }
        }
        double baseline = n / ((System.nanoTime() - b0) / 1e9);

        try (MonitorService service = new MonitorService(config(stack, stateDir, t, run, 10_000)).start();
                KafkaConsumer<String, byte[]> monitor = reader(stack, t.monitor)) {
            long first = 0;
            int got = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            // The clock starts when the monitor has read its first embedding (start-up and rebalance excluded).
            while (got < windows && System.nanoTime() < deadline) {
                if (first == 0 && service.embeddingsObserved() > 0) {
                    first = System.nanoTime();
                }
                got += monitor.poll(Duration.ofMillis(100)).count();
            }
            double seconds = (System.nanoTime() - first) / 1e9;
            System.out.printf(
                    "throughput: monitor %.0f embeddings/s (%d embeddings, %d windows in %.1f s); "
                            + "plain consumer + Avro decode %.0f embeddings/s; ratio %.2f%n",
                    n / seconds, n, got, seconds, baseline, n / seconds / baseline);
        }
    }

    private static void latency(StackEndpoints stack, Path stateDir, int dim, int sources, int rate, int seconds)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        Topics t = Topics.create(stack, run);
        MonitorSerdes serdes = MonitorSerdes.of(Map.of("schema.registry.url", stack.registryUrl()));
        List<Long> delays = Collections.synchronizedList(new ArrayList<>());
        try (MonitorService service = new MonitorService(config(stack, stateDir, t, run, 1_000)).start();
                KafkaProducer<String, byte[]> producer = producer(stack)) {
            Thread.sleep(5_000); // let the group form before the clock matters
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread reader = new Thread(
                    () -> {
                        try (KafkaConsumer<String, byte[]> monitor = reader(stack, t.monitor)) {
                            while (reading.get()) {
                                for (ConsumerRecord<String, byte[]> r : monitor.poll(Duration.ofMillis(20))) {
                                    MonitorRecord w =
                                            serdes.monitor().deserializer().deserialize(r.topic(), r.value());
                                    delays.add(System.currentTimeMillis()
                                            - w.getWindowEnd().toEpochMilli());
                                }
                            }
                        }
                    },
                    "latency-reader");
            reader.start();
            Random random = new Random(2);
            long start = System.currentTimeMillis();
            long sent = 0;
            while (System.currentTimeMillis() - start < seconds * 1000L) {
                long due = (System.currentTimeMillis() - start) * rate / 1000;
                for (; sent < due; sent++) {
                    long now = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(
                            t.embeddings,
                            null,
                            now,
                            "img-" + sent,
                            serdes.embeddings()
                                    .serializer()
                                    .serialize(t.embeddings, embedding(sent, dim, sources, random, now))));
                }
                Thread.sleep(2);
            }
            Thread.sleep(3_000);
            reading.set(false);
            reader.join(30_000);
        }
        List<Long> sorted = new ArrayList<>(delays);
        // Skip the first seconds: the first windows close while the topology is still warming up.
        sorted = sorted.subList(Math.min(sorted.size(), 5 * sources), sorted.size());
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.println("latency: no windows received");
            return;
        }
        System.out.printf(
                "added latency (window end -> monitor record readable), %d windows of 1 s at %d/s: "
                        + "p50 %d ms, p95 %d ms, max %d ms%n",
                sorted.size(),
                rate,
                sorted.get(sorted.size() / 2),
                sorted.get((int) (sorted.size() * 0.95)),
                sorted.get(sorted.size() - 1));
    }

    private static EmbeddingRecord embedding(long i, int dim, int sources, Random random, long time) {
        List<Float> v = new ArrayList<>(dim);
        for (int d = 0; d < dim; d++) {
            v.add((float) (random.nextGaussian() + (d % 7 == 0 ? 2 : 0)));
        }
        return EmbeddingRecord.newBuilder()
                .setImageId("img-" + i)
                .setModelName("bench")
                .setModelVersion(1)
                .setInstance(v)
                .setSource("source-" + (i % sources))
                .setEventTime(Instant.ofEpochMilli(time))
                .setProcessingTime(Instant.ofEpochMilli(time))
                .build();
    }

    private static MonitorConfig config(StackEndpoints stack, Path stateDir, Topics t, String run, long windowMs)
            throws Exception {
        Map<String, Object> s = new HashMap<>();
        s.put(MonitorConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
        s.put(MonitorConfig.REGISTRY_URL, stack.registryUrl());
        s.put(MonitorConfig.APPLICATION_ID, "monitor-bench-" + run);
        s.put(
                MonitorConfig.STATE_DIR,
                Files.createDirectories(stateDir.resolve("streams-" + run)).toString());
        s.put(MonitorConfig.EMBEDDINGS_TOPIC, t.embeddings);
        s.put(MonitorConfig.DLQ_TOPIC, t.dlq);
        s.put(MonitorConfig.METRICS_TOPIC, t.metrics);
        s.put(MonitorConfig.MONITOR_TOPIC, t.monitor);
        s.put(MonitorConfig.ALERTS_TOPIC, t.alerts);
        s.put(MonitorConfig.MONITOR_DLQ_TOPIC, t.dlq);
        s.put(MonitorConfig.WINDOW_SIZE_MS, windowMs);
        s.put(MonitorConfig.WINDOW_GRACE_MS, 0L);
        s.put(MonitorConfig.PROMETHEUS_HOST, "127.0.0.1");
        s.put(MonitorConfig.PROMETHEUS_PORT, 0);
        s.put("auto.offset.reset", "earliest");
        s.put("num.stream.threads", streamThreads);
        s.putAll(settings);
        return new MonitorConfig(s);
    }

    private static KafkaProducer<String, byte[]> producer(StackEndpoints stack) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> reader(StackEndpoints stack, String topic) {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "reader-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    private record Topics(String embeddings, String dlq, String metrics, String monitor, String alerts) {
        static Topics create(StackEndpoints stack, String run) {
            Topics t = new Topics(
                    "bench-embeddings-" + run,
                    "bench-dlq-" + run,
                    "bench-metrics-" + run,
                    "bench-monitor-" + run,
                    "bench-alerts-" + run);
            LocalStack.createTopics(
                    stack.bootstrapServers(),
                    List.of(
                            new TopicSpec(t.embeddings, 1, Map.of()),
                            new TopicSpec(t.dlq, 1, Map.of()),
                            new TopicSpec(t.metrics, 1, Map.of()),
                            new TopicSpec(t.monitor, 1, Map.of()),
                            new TopicSpec(t.alerts, 1, Map.of())));
            return t;
        }
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private MonitorBenchmark() {}
}
