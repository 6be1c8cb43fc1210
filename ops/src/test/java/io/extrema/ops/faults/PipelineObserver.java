package io.extrema.ops.faults;

import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.UnknownSchemaIdException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the pipeline committed (read_committed, from the beginning) on its output topics, on its own thread,
 * and keeps what the fault test counts: every embedding, every published model version, the trainer's steps, the
 * monitor's windows, and how many dead letters each dead-letter topic holds.
 */
final class PipelineObserver implements AutoCloseable {
    /** One embedding; {@code timestamp} is the Kafka record's, which the monitor's windows go by. */
    record Embedding(String imageId, long version, long timestamp, long processingTime, long observedAt) {}

    record Version(long version, long step, long observedAt) {}

    record Step(long step, Map<String, Double> extra, long observedAt) {}

    record Window(String source, long start, long count, long observedAt) {}

    final List<Embedding> embeddings = new CopyOnWriteArrayList<>();
    final List<Version> versions = new CopyOnWriteArrayList<>();
    final List<Step> steps = new CopyOnWriteArrayList<>();
    final List<Window> windows = new CopyOnWriteArrayList<>();
    final Map<String, AtomicLong> deadLetters = new HashMap<>();
    final AtomicLong unreadableModelRecords = new AtomicLong();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String embeddingsTopic;
    private final String modelsTopic;
    private final String metricsTopic;
    private final String monitorTopic;
    private final SpecificAvroDeserializer<EmbeddingRecord> embeddingValues =
            new SpecificAvroDeserializer<>(EmbeddingRecord.class);
    private final SpecificAvroDeserializer<ModelPart> modelValues = new SpecificAvroDeserializer<>(ModelPart.class);
    private final SpecificAvroDeserializer<TrainingMetrics> metricsValues =
            new SpecificAvroDeserializer<>(TrainingMetrics.class);
    private final SpecificAvroDeserializer<MonitorRecord> monitorValues =
            new SpecificAvroDeserializer<>(MonitorRecord.class);
    private final Thread reader;
    private volatile boolean running = true;
    private volatile Throwable failure;

    PipelineObserver(
            String bootstrapServers,
            String registryUrl,
            String embeddings,
            String models,
            String metrics,
            String monitor,
            List<String> deadLetterTopics) {
        this.embeddingsTopic = embeddings;
        this.modelsTopic = models;
        this.metricsTopic = metrics;
        this.monitorTopic = monitor;
        Map<String, Object> serde = Map.of("schema.registry.url", registryUrl);
        for (SpecificAvroDeserializer<?> d : List.of(embeddingValues, modelValues, metricsValues, monitorValues)) {
            d.configure(serde, false);
        }
        consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        List<String> topics = new ArrayList<>(List.of(embeddings, models, metrics, monitor));
        topics.addAll(deadLetterTopics);
        for (String topic : topics) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        deadLetterTopics.forEach(t -> deadLetters.put(t, new AtomicLong()));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        reader = new Thread(this::read, "fault-observer");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    accept(r);
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        long now = System.currentTimeMillis();
        if (deadLetters.containsKey(r.topic())) {
            deadLetters.get(r.topic()).incrementAndGet();
            return;
        }
        if (r.value() == null) {
            return; // a retired model version's tombstone
        }
        ByteBuffer value = ByteBuffer.wrap(r.value());
        if (r.topic().equals(embeddingsTopic)) {
            EmbeddingRecord e = embeddingValues.deserialize(r.topic(), r.headers(), value);
            embeddings.add(new Embedding(
                    e.getImageId().toString(),
                    e.getModelVersion(),
                    r.timestamp(),
                    e.getProcessingTime().toEpochMilli(),
                    now));
        } else if (r.topic().equals(modelsTopic)) {
            ModelPart part;
            try {
                part = modelValues.deserialize(r.topic(), r.headers(), value);
            } catch (UnknownSchemaIdException injected) {
                unreadableModelRecords.incrementAndGet(); // the test's own unreadable record
                return;
            }
            if (part.getPart() instanceof ModelManifest) {
                versions.add(new Version(part.getVersion(), part.getStep(), now));
            }
        } else if (r.topic().equals(metricsTopic)) {
            TrainingMetrics m = metricsValues.deserialize(r.topic(), r.headers(), value);
            Map<String, Double> extra = new HashMap<>();
            m.getExtra().forEach((k, v) -> extra.put(k.toString(), v));
            steps.add(new Step(m.getStep(), extra, now));
        } else if (r.topic().equals(monitorTopic)) {
            MonitorRecord w = monitorValues.deserialize(r.topic(), r.headers(), value);
            windows.add(new Window(w.getSource().toString(), w.getWindowStart().toEpochMilli(), w.getCount(), now));
        }
    }

    long latestVersion() {
        return versions.stream().mapToLong(Version::version).max().orElse(0);
    }

    long latestStep() {
        return steps.stream().mapToLong(Step::step).max().orElse(0);
    }

    long deadLettered() {
        return deadLetters.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}; returns the millis it took. */
    long await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long start = System.currentTimeMillis();
        long deadline = start + timeout.toMillis();
        while (!condition.getAsBoolean()) {
            if (failure != null) {
                throw new AssertionError("the observer stopped", failure);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(100);
        }
        return System.currentTimeMillis() - start;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(10_000);
    }
}
