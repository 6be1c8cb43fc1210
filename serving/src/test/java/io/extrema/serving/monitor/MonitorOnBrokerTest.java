package io.extrema.serving.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The monitor service against the real broker and registry: embeddings in, monitor and alert records out. */
@ExtendWith(LocalStackExtension.class)
class MonitorOnBrokerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @Test
    void embeddingsInMonitorAndAlertRecordsOut(StackEndpoints stack, @TempDir Path stateDir) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> settings = settings(stack, run, stateDir);
        String embeddings = (String) settings.get(MonitorConfig.EMBEDDINGS_TOPIC);
        String monitor = (String) settings.get(MonitorConfig.MONITOR_TOPIC);
        String alerts = (String) settings.get(MonitorConfig.ALERTS_TOPIC);
        String monitorDlq = (String) settings.get(MonitorConfig.MONITOR_DLQ_TOPIC);
        MonitorConfig config = new MonitorConfig(settings);
        MonitorSerdes serdes = MonitorSerdes.of(Map.of("schema.registry.url", stack.registryUrl()));

        try (MonitorService service = new MonitorService(config).start()) {
            // Two windows of one collapsed source, then a record that closes them, and one undecodable record.
            // Recent timestamps: records older than the broker's retention (7 days) may be deleted before they are
            // read.
            Instant t0 = Instant.ofEpochMilli((System.currentTimeMillis() - 3_600_000) / 5_000 * 5_000);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                    new StringSerializer(),
                    new ByteArraySerializer())) {
                for (int i = 0; i < 40; i++) {
                    Instant time = t0.plusMillis(i < 20 ? 100 + i : 5_100 + i);
                    EmbeddingRecord e = EmbeddingRecord.newBuilder()
                            .setImageId("img-" + i)
                            .setModelName("run")
                            .setModelVersion(3)
                            .setInstance(List.of(1f, 2f, 3f, 4f + 1e-6f * i))
                            .setSource("cam-1")
                            .setEventTime(time)
                            .setProcessingTime(time)
                            .build();
                    producer.send(record(
                            embeddings,
                            "img-" + i,
                            serdes.embeddings().serializer().serialize(embeddings, e),
                            time));
                }
                producer.send(record(embeddings, "garbage", new byte[] {9, 9, 9}, t0.plusMillis(5_200)));
                Instant later = t0.plusMillis(10_500);
                EmbeddingRecord closer = EmbeddingRecord.newBuilder()
                        .setImageId("closer")
                        .setModelName("run")
                        .setModelVersion(3)
                        .setInstance(List.of(1f, 0f, 0f, 0f))
                        .setSource("cam-2")
                        .setEventTime(later)
                        .setProcessingTime(later)
                        .build();
                producer.send(record(
                        embeddings, "closer", serdes.embeddings().serializer().serialize(embeddings, closer), later));
            }

            List<MonitorRecord> windows = await(
                    stack,
                    monitor,
                    serdes.monitor().deserializer(),
                    got -> got.stream()
                                    .filter(w -> w.getSource().equals("cam-1"))
                                    .count()
                            >= 2);
            List<MonitorRecord> cam =
                    windows.stream().filter(w -> w.getSource().equals("cam-1")).toList();
            assertEquals(20, cam.get(0).getCount());
            assertEquals(List.of(3L), cam.get(0).getModelVersions());
            assertTrue(cam.get(0).getSpread() < 1e-5, "identical embeddings: " + cam.get(0));
            assertTrue(cam.get(1).getDriftPrevious() < 1e-6, "same direction as the previous window: " + cam.get(1));

            List<AlertRecord> raised = await(
                    stack,
                    alerts,
                    serdes.alerts().deserializer(),
                    got -> got.stream()
                                    .filter(a -> a.getRule().equals(AlertRules.COLLAPSE))
                                    .count()
                            >= 2);
            assertTrue(raised.stream().allMatch(a -> a.getSubject().equals("cam-1")), raised.toString());

            List<DeadLetter> letters =
                    await(stack, monitorDlq, serdes.deadLetters().deserializer(), got -> !got.isEmpty());
            assertEquals("monitor", letters.get(0).getStage());
            assertEquals(embeddings, letters.get(0).getTopic());
            assertEquals(KafkaStreams.State.RUNNING, service.state(), "a bad record does not stop the topology");

            String scrape = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + service.prometheusPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(scrape.contains("extrema_monitor_embeddings_total{source=\"cam-1\"} 40"), scrape);
            assertTrue(scrape.contains("extrema_monitor_alerts_total"), scrape);
            assertTrue(scrape.contains("stream_thread_metrics_process_rate{"), scrape);
        }
    }

    @Test
    void aRestartMidWindowNeitherLosesNorDoublesWhatTheWindowCounted(StackEndpoints stack, @TempDir Path stateDir)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> settings = settings(stack, run, stateDir);
        // 10 s windows every 5 s: panes of 5 s, so a window is partly forwarded downstream, partly held upstream.
        settings.put(MonitorConfig.WINDOW_SIZE_MS, 10_000L);
        settings.put(MonitorConfig.WINDOW_ADVANCE_MS, 5_000L);
        // Kafka Streams does not leave the group on close: the restarted member waits for the old one's session.
        settings.put("session.timeout.ms", 6_000);
        settings.put("heartbeat.interval.ms", 1_000);
        MonitorConfig config = new MonitorConfig(settings);
        String embeddings = (String) settings.get(MonitorConfig.EMBEDDINGS_TOPIC);
        MonitorSerdes serdes = MonitorSerdes.of(Map.of("schema.registry.url", stack.registryUrl()));
        Instant t0 = Instant.ofEpochMilli((System.currentTimeMillis() - 3_600_000) / 10_000 * 10_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            // Before the restart: 12 embeddings in the first pane (sent on when the second starts), 8 in the second
            // (held), and the monitor's commit of them. A second source keeps the task busy until the close, so that
            // the held partials are not sent on for want of input: the restart has to restore them.
            AtomicInteger fed = new AtomicInteger();
            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread feeder = new Thread(() -> {
                while (feeding.get()) {
                    send(producer, serdes, embeddings, "cam-2", t0.plusMillis(6_000 + fed.getAndIncrement() % 3_000));
                    LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
                }
            });
            try (MonitorService service = new MonitorService(config).start()) {
                for (int i = 0; i < 20; i++) {
                    send(producer, serdes, embeddings, "cam-1", t0.plusMillis(i < 12 ? 100 + i : 5_100 + i));
                }
                feeder.start();
                producer.flush();
                awaitCommitted(stack, config.getString(MonitorConfig.APPLICATION_ID), embeddings, 20);
                assertEquals(KafkaStreams.State.RUNNING, service.state());
            } finally {
                feeding.set(false);
                feeder.join();
            }
            // After it: 5 more in the second pane, then a record that closes both windows.
            try (MonitorService service = new MonitorService(config).start()) {
                for (int i = 0; i < 5; i++) {
                    send(producer, serdes, embeddings, "cam-1", t0.plusMillis(6_000 + i));
                }
                send(producer, serdes, embeddings, "clock", t0.plusMillis(20_500));
                producer.flush();
                List<MonitorRecord> windows = await(
                        stack,
                        config.getString(MonitorConfig.MONITOR_TOPIC),
                        serdes.monitor().deserializer(),
                        got -> got.stream()
                                        .filter(w -> w.getWindowStart().equals(t0.plusMillis(5_000)))
                                        .count()
                                >= 2);
                // Each window once, with each embedding once: none lost with the restart, none read twice.
                assertEquals(
                        List.of(
                                "cam-1@" + t0.minusMillis(5_000) + "=12",
                                "cam-1@" + t0 + "=25",
                                "cam-1@" + t0.plusMillis(5_000) + "=13",
                                "cam-2@" + t0 + "=" + fed.get(),
                                "cam-2@" + t0.plusMillis(5_000) + "=" + fed.get()),
                        windows.stream()
                                .map(w -> w.getSource() + "@" + w.getWindowStart() + "=" + w.getCount())
                                .sorted()
                                .toList(),
                        "embeddings per source and window start: " + windows);
            }
        }
    }

    /** The monitor's settings on fresh topics of this run, with 5 s tumbling windows and no grace. */
    private static Map<String, Object> settings(StackEndpoints stack, String run, Path stateDir) {
        String embeddings = "embeddings-" + run, dlq = "dlq-serving-" + run, metrics = "metrics-" + run;
        String monitor = "monitor-" + run, alerts = "alerts-" + run, monitorDlq = "dlq-monitor-" + run;
        for (String topic : List.of(embeddings, dlq, metrics, monitor, alerts, monitorDlq)) {
            LocalStackExtension.createTopic(stack, topic, 1);
        }
        Map<String, Object> settings = new HashMap<>();
        settings.put(MonitorConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
        settings.put(MonitorConfig.REGISTRY_URL, stack.registryUrl());
        settings.put(MonitorConfig.APPLICATION_ID, "monitor-" + run);
        settings.put(MonitorConfig.STATE_DIR, stateDir.toString());
        settings.put(MonitorConfig.EMBEDDINGS_TOPIC, embeddings);
        settings.put(MonitorConfig.DLQ_TOPIC, dlq);
        settings.put(MonitorConfig.METRICS_TOPIC, metrics);
        settings.put(MonitorConfig.MONITOR_TOPIC, monitor);
        settings.put(MonitorConfig.ALERTS_TOPIC, alerts);
        settings.put(MonitorConfig.MONITOR_DLQ_TOPIC, monitorDlq);
        settings.put(MonitorConfig.WINDOW_SIZE_MS, 5_000L);
        settings.put(MonitorConfig.WINDOW_GRACE_MS, 0L);
        settings.put(MonitorConfig.MIN_WINDOW_COUNT, 10L);
        settings.put(MonitorConfig.PROMETHEUS_HOST, "127.0.0.1");
        settings.put(MonitorConfig.PROMETHEUS_PORT, 0);
        settings.put("auto.offset.reset", "earliest");
        return settings;
    }

    private static void send(
            KafkaProducer<String, byte[]> producer, MonitorSerdes serdes, String topic, String source, Instant time) {
        EmbeddingRecord e = EmbeddingRecord.newBuilder()
                .setImageId(source + "@" + time.toEpochMilli())
                .setModelName("run")
                .setModelVersion(1)
                .setInstance(List.of(1f, 2f, 3f, 4f))
                .setSource(source)
                .setEventTime(time)
                .setProcessingTime(time)
                .build();
        producer.send(
                record(topic, e.getImageId(), serdes.embeddings().serializer().serialize(topic, e), time));
    }

    /** Waits until the group has committed {@code offset} on the topic's partition 0, or fails after the deadline. */
    private static void awaitCommitted(StackEndpoints stack, String group, String topic, long offset) throws Exception {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (true) {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .get(partition);
                if (committed != null && committed.offset() >= offset) {
                    return;
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("group " + group + " committed " + committed + ", not " + offset);
                }
                Thread.sleep(200);
            }
        }
    }

    private static ProducerRecord<String, byte[]> record(String topic, String key, byte[] value, Instant time) {
        return new ProducerRecord<>(topic, null, time.toEpochMilli(), key, value);
    }

    /** Reads the topic from the start until {@code done} holds for what was read, or fails after the deadline. */
    static <T> List<T> await(StackEndpoints stack, String topic, Deserializer<T> values, Predicate<List<T>> done) {
        List<T> got = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "reader-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                values)) {
            consumer.subscribe(List.of(topic));
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (!done.test(got)) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("timed out waiting on " + topic + "; got " + got);
                }
                consumer.poll(Duration.ofMillis(500)).forEach(r -> got.add(r.value()));
            }
        }
        return got;
    }
}
