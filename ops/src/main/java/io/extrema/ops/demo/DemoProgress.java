package io.extrema.ops.demo;

import io.extrema.ops.train.TrainingStatus;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo prints every few seconds, read from the topics like any other consumer would: the trainer's
 * latest metrics (step, loss, probe accuracy), the model versions published, the embeddings produced per model
 * version, monitor windows, alerts and dead letters. Assigned (no consumer group) and starting at the end of every
 * topic, so it counts what happens while the demo runs.
 */
final class DemoProgress implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoProgress.class);

    private final DemoTopics topics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SpecificAvroDeserializer<TrainingMetrics> metricsReader =
            new SpecificAvroDeserializer<>(TrainingMetrics.class);
    private final SpecificAvroDeserializer<ModelPart> modelReader = new SpecificAvroDeserializer<>(ModelPart.class);
    private final SpecificAvroDeserializer<EmbeddingRecord> embeddingReader =
            new SpecificAvroDeserializer<>(EmbeddingRecord.class);
    private final Thread thread = new Thread(this, "demo-progress");
    private volatile boolean running = true;

    private TrainingMetrics latestMetrics;
    private final List<Long> versions = new ArrayList<>();
    private final TreeMap<Long, Long> embeddingsPerVersion = new TreeMap<>();
    private final AtomicLong monitorWindows = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final Map<String, Long> deadLetters = new TreeMap<>();

    DemoProgress(DemoTopics topics, Map<String, Object> clientConfig, Map<String, Object> serdeConfig) {
        this.topics = topics;
        Map<String, Object> props = new HashMap<>(clientConfig);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Serving writes in transactions (exactly-once): count only committed embeddings.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "extrema-demo-progress");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        metricsReader.configure(serdeConfig, false);
        modelReader.configure(serdeConfig, false);
        embeddingReader.configure(serdeConfig, false);
    }

    DemoProgress start() {
        List<String> names = List.of(
                topics.metrics(),
                topics.models(),
                topics.embeddings(),
                topics.monitor(),
                topics.alerts(),
                topics.dlqIngest(),
                topics.dlqTrainer(),
                topics.dlqServing());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String name : names) {
            consumer.partitionsFor(name, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end now: records from here on are this run's
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        accept(r);
                    } catch (RuntimeException e) {
                        LOG.debug("progress: skipped an unreadable record on {}: {}", r.topic(), e.toString());
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private synchronized void accept(ConsumerRecord<byte[], byte[]> r) {
        String topic = r.topic();
        if (r.value() == null) {
            return; // a retired model version's tombstone
        }
        if (topic.equals(topics.metrics())) {
            latestMetrics = metricsReader.deserialize(topic, r.value());
        } else if (topic.equals(topics.models())) {
            ModelPart part = modelReader.deserialize(topic, r.value());
            if (part.getPart() instanceof ModelManifest) {
                versions.add(part.getVersion());
            }
        } else if (topic.equals(topics.embeddings())) {
            EmbeddingRecord e = embeddingReader.deserialize(topic, r.value());
            embeddingsPerVersion.merge(e.getModelVersion(), 1L, Long::sum);
        } else if (topic.equals(topics.monitor())) {
            monitorWindows.incrementAndGet();
        } else if (topic.equals(topics.alerts())) {
            alerts.incrementAndGet();
        } else {
            deadLetters.merge(topic.substring(topic.lastIndexOf('.') + 1), 1L, Long::sum);
        }
    }

    /** One status line, e.g. {@code step 420 loss 0.512 | versions 3 (latest v3) | embeddings 1,204 ...}. */
    synchronized String line() {
        StringBuilder s = new StringBuilder(TrainingStatus.of(latestMetrics));
        s.append("  | model versions published ").append(versions.size());
        if (!versions.isEmpty())
            s.append(" (latest v").append(versions.get(versions.size() - 1)).append(')');
        long embedded = embeddingsPerVersion.values().stream()
                .mapToLong(Long::longValue)
                .sum();
        s.append("  | embeddings ").append(embedded);
        if (!embeddingsPerVersion.isEmpty()) {
            s.append(" (");
            embeddingsPerVersion.descendingMap().entrySet().stream()
                    .limit(3)
                    .forEach(e -> s.append(e.getKey() == 0 ? "fresh" : "v" + e.getKey())
                            .append(": ")
                            .append(e.getValue())
                            .append(", "));
            s.setLength(s.length() - 2);
            s.append(')');
        }
        s.append("  | monitor windows ")
                .append(monitorWindows.get())
                .append(", alerts ")
                .append(alerts.get());
        if (!deadLetters.isEmpty()) s.append("  | dead letters ").append(deadLetters);
        return s.toString();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (!thread.isAlive()) {
            consumer.close(Duration.ofSeconds(5)); // never started: the poll loop cannot close it
            return;
        }
        consumer.wakeup();
        thread.join(10_000);
    }
}
