package io.extrema.ingest.bench;

import io.extrema.images.source.SourceImage;
import io.extrema.images.source.SourceOptions;
import io.extrema.images.source.TarSource;
import io.extrema.ingest.ImagePublisher;
import io.extrema.ingest.IngestConfig;
import io.extrema.ingest.IngestStats;
import io.extrema.ingest.Ingestor;
import io.extrema.ingest.Progress;
import io.extrema.ingest.http.HttpIngestServer;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;

/**
 * Ingest throughput against Kafka's plain producer, in one run on one broker (ratios, since the machine is shared):
 * the CIFAR-10 train tar streamed to a fresh topic by (a) a plain KafkaProducer sending each member's bytes with the
 * same producer settings, (b) ingest with header validation, (c) ingest without validation, (d) ingest with full
 * decode; then HTTP uploads/s from concurrent clients. Starts its own local stack unless given one.
 *
 * <pre>mvn -q -B -o -pl ingest exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.extrema.ingest.bench.IngestBenchmark \
 *   -Dexec.args="[train.tar (default ../shared/datasets/cifar10/train.tar)] [http uploads, default 5000] [http clients, default 8]"</pre>
 */
public final class IngestBenchmark {
    private static final PrintStream OUT = System.out;

    public static void main(String[] args) throws Exception {
        Path tar = Path.of(args.length > 0 ? args[0] : "../shared/datasets/cifar10/train.tar");
        int uploads = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path state = Files.createTempDirectory("ingest-bench");
        try (LocalStack stack = LocalStack.start(StackSettings.defaults(state).withFreePorts())) {
            StackEndpoints endpoints = stack.endpoints();
            OUT.printf(
                    "tar %s, %d cores, JDK %s%n",
                    tar, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            run(endpoints, tar, "warm-up (ingest, validated)", Map.of(IngestConfig.VALIDATE, "true"), true);
            // Alternating rounds, best of each: the machine is shared, so a single run can stall on someone else's
            // load.
            double plain = 0;
            double on = 0;
            double off = 0;
            for (int round = 0; round < 2; round++) {
                plain = Math.max(plain, plain(endpoints, tar, "lz4"));
                on = Math.max(
                        on,
                        run(endpoints, tar, "ingest, header validation", Map.of(IngestConfig.VALIDATE, "true"), false));
                off = Math.max(
                        off,
                        run(endpoints, tar, "ingest, no validation", Map.of(IngestConfig.VALIDATE, "false"), false));
            }
            double decode =
                    run(endpoints, tar, "ingest, full decode", Map.of(IngestConfig.VALIDATE_DECODE, "true"), false);
            plain(endpoints, tar, "none");
            OUT.printf(
                    "best-of-2 ratio to the plain producer (%.0f images/s): validated %.0f %%, unvalidated %.0f %%; full decode (1 run) %.0f %%%n",
                    plain, 100 * on / plain, 100 * off / plain, 100 * decode / plain);
            http(endpoints, tar, uploads, clients);
        } finally {
            LocalStack.deleteState(state);
        }
    }

    private static Map<String, String> settings(StackEndpoints stack, String topic) {
        Map<String, String> s = new HashMap<>();
        s.put(IngestConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
        s.put("schema.registry.url", stack.registryUrl());
        s.put(IngestConfig.TOPIC, topic);
        s.put(IngestConfig.DLQ_TOPIC, topic + ".dlq");
        s.put(IngestConfig.QUIET, "true");
        return s;
    }

    private static String topic(StackEndpoints stack) {
        String name = "bench.images." + System.nanoTime();
        LocalStack.createTopics(
                stack.bootstrapServers(),
                List.of(new TopicSpec(name, 4, Map.of()), new TopicSpec(name + ".dlq", 1, Map.of())));
        return name;
    }

    private static double run(StackEndpoints stack, Path tar, String what, Map<String, String> extra, boolean warmUp)
            throws Exception {
        Map<String, String> settings = settings(stack, topic(stack));
        settings.putAll(extra);
        IngestConfig config = new IngestConfig(settings);
        IngestStats stats = new IngestStats();
        try (ImagePublisher publisher = ImagePublisher.create(config)) {
            Ingestor ingestor = new Ingestor(config, publisher, stats);
            long t0 = System.nanoTime();
            ingestor.run(
                    () -> new TarSource(tar, SourceOptions.defaults()), "bench", 1, new Progress(OUT, true, -1, stats));
            double s = (System.nanoTime() - t0) / 1e9;
            if (!warmUp) report(what, stats.sent(), stats.sentBytes(), s);
            return stats.sent() / s;
        }
    }

    private static double plain(StackEndpoints stack, Path tar, String compression) throws Exception {
        Map<String, Object> producerConfig = new IngestConfig(settings(stack, "unused")).producerConfigs();
        producerConfig.put("compression.type", compression);
        String topic = topic(stack);
        long n = 0;
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig);
                TarSource source = new TarSource(tar, SourceOptions.defaults())) {
            long t0 = System.nanoTime();
            for (SourceImage image : source) {
                producer.send(new ProducerRecord<>(topic, image.key(), image.bytes()));
                n++;
                bytes += image.bytes().length;
            }
            producer.flush();
            double s = (System.nanoTime() - t0) / 1e9;
            report("plain KafkaProducer, compression " + compression, n, bytes, s);
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> m :
                    producer.metrics().entrySet()) {
                if (m.getKey().name().equals("compression-rate-avg")
                        && m.getKey().group().equals("producer-metrics")) {
                    OUT.printf(
                            "    compression-rate-avg (compressed/uncompressed batch size) = %.3f%n",
                            (Double) m.getValue().metricValue());
                }
            }
            return n / s;
        }
    }

    private static void http(StackEndpoints stack, Path tar, int uploads, int clients) throws Exception {
        List<byte[]> images = new ArrayList<>();
        try (TarSource source = new TarSource(tar, SourceOptions.defaults())) {
            for (SourceImage image : source) {
                if (images.size() == uploads) break;
                images.add(image.bytes());
            }
        }
        Map<String, String> settings = settings(stack, topic(stack));
        settings.put(IngestConfig.HTTP_PORT, "0");
        IngestConfig config = new IngestConfig(settings);
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (ImagePublisher publisher = ImagePublisher.create(config);
                HttpIngestServer server = new HttpIngestServer(config, publisher).start()) {
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/images");
            AtomicInteger next = new AtomicInteger();
            AtomicInteger created = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < images.size(); i = next.getAndIncrement()) {
                        HttpResponse<Void> r = client.send(
                                HttpRequest.newBuilder(uri)
                                        .header("Content-Type", "image/jpeg")
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(images.get(i)))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 201) created.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
            double s = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            OUT.printf(
                    "%-45s %7d uploads acknowledged of %d in %6.2f s = %7.0f uploads/s (%d concurrent clients, each waits for the broker ack)%n",
                    "HTTP POST /images", created.get(), images.size(), s, created.get() / s, clients);
        }
    }

    private static void report(String what, long n, long bytes, double s) {
        OUT.printf(
                "%-45s %7d images %7.1f MB in %6.2f s = %7.0f images/s %6.2f MB/s%n",
                what, n, bytes / 1e6, s, n / s, bytes / 1e6 / s);
    }

    private IngestBenchmark() {}
}
