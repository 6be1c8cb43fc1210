package io.extrema.trainer.publish;

import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionCodec;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.schemas.serde.UnreadableRecords;
import io.extrema.schemas.serde.WireFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes model versions to the compacted models topic and retires old ones.
 *
 * <p>A version is its chunks then its manifest, sent in order by an idempotent producer (no duplicates or reordering
 * on retries) and waited for, so when {@link #publish} returns the version is readable. Versions are monotonic: a
 * restarted trainer continues after the highest version found on the topic or in its checkpoint, whichever is
 * higher. Beyond {@code keep} live versions the oldest is retired with a tombstone for every one of its keys, so
 * compaction removes it.
 */
public final class ModelVersionPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelVersionPublisher.class);

    private final KafkaProducer<String, ModelPart> producer;
    private final String topic;
    private final String modelName;
    private final int chunkSize;
    private final int keep;
    private final SortedMap<Long, Integer> live;
    private long lastVersion;

    /**
     * @param live versions of this lineage on the topic with their chunk counts ({@link #scan}, merged with the
     *             checkpoint's); the next version is one above the highest of them and of {@code lastKnown}
     */
    public ModelVersionPublisher(
            Map<String, Object> kafka,
            Map<String, Object> serde,
            String topic,
            String modelName,
            int chunkSize,
            int keep,
            SortedMap<Long, Integer> live,
            long lastKnown) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A chunk plus its record framing must fit one request.
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1024 * 1024, chunkSize + 64 * 1024));
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "extrema-trainer-models");
        SpecificAvroSerializer<ModelPart> values = new SpecificAvroSerializer<>();
        values.configure(serde, false);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), values);
        this.topic = topic;
        this.modelName = modelName;
        this.chunkSize = chunkSize;
        this.keep = keep;
        this.live = new TreeMap<>(live);
        this.lastVersion = Math.max(lastKnown, live.isEmpty() ? 0 : live.lastKey());
    }

    /** Publishes {@code version} (its number must be {@link #nextVersion()}) and retires versions beyond the keep count. */
    public void publish(ModelVersion version) throws ExecutionException, InterruptedException {
        if (!version.modelName().equals(modelName) || version.version() != lastVersion + 1) {
            throw new IllegalArgumentException("expected version " + (lastVersion + 1) + " of " + modelName + ", got "
                    + version.version() + " of " + version.modelName());
        }
        List<ModelVersionCodec.KeyedPart> parts = ModelVersionCodec.toParts(version, chunkSize);
        List<Future<RecordMetadata>> sent = new ArrayList<>(parts.size());
        for (ModelVersionCodec.KeyedPart p : parts) {
            sent.add(producer.send(new ProducerRecord<>(topic, p.key(), p.part())));
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
        lastVersion = version.version();
        live.put(version.version(), parts.size() - 1);
        log.info(
                "published {} version {} (step {}, {} bytes in {} chunks)",
                modelName,
                version.version(),
                version.step(),
                version.weights().length,
                parts.size() - 1);
        retire();
    }

    public long nextVersion() {
        return lastVersion + 1;
    }

    /** Versions of this lineage still on the topic, with their chunk counts. */
    public SortedMap<Long, Integer> live() {
        return new TreeMap<>(live);
    }

    private void retire() throws ExecutionException, InterruptedException {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        while (live.size() > keep) {
            long oldest = live.firstKey();
            int chunks = live.remove(oldest);
            for (String key : ModelVersionCodec.keys(modelName, oldest, chunks)) {
                sent.add(producer.send(new ProducerRecord<>(topic, key, null)));
            }
            log.info("retired {} version {}", modelName, oldest);
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
    }

    /**
     * What the models topic holds of one lineage.
     *
     * @param live          versions with a manifest and no tombstone, with their chunk counts
     * @param highestSeen   the highest version any record's key names, readable or not (0 for none): new versions
     *                      must go above it even when its records cannot be read
     * @param unreadable    records skipped because they cannot be read
     */
    public record Scan(SortedMap<Long, Integer> live, long highestSeen, UnreadableRecords unreadable) {}

    /**
     * Reads the models topic from the beginning to its end. A record that cannot be read is skipped and counted
     * (its key still tells its version); a registry outage is waited out by the deserializer and does not count
     * against {@code timeout}, which bounds reading the topic.
     */
    public static Scan scan(
            Map<String, Object> kafka, Map<String, Object> serde, String topic, String modelName, Duration timeout) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "extrema-trainer-models-scan");
        SortedMap<Long, Integer> live = new TreeMap<>();
        Map<String, Long> manifestKeys = new HashMap<>();
        UnreadableRecords unreadable = new UnreadableRecords(log, "the trainer's models-topic scan");
        long highestSeen = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
                SpecificAvroDeserializer<ModelPart> parts = new SpecificAvroDeserializer<>(ModelPart.class)) {
            parts.configure(serde, false);
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("models topic " + topic + " not read to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    highestSeen = Math.max(
                            highestSeen,
                            ModelVersionCodec.versionOfKey(modelName, r.key()).orElse(0));
                    if (r.value() == null) {
                        Long retired = manifestKeys.remove(r.key());
                        if (retired != null) {
                            live.remove(retired);
                        }
                        continue;
                    }
                    long readStart = System.nanoTime();
                    ModelPart part;
                    try {
                        part = parts.deserialize(r.topic(), r.value());
                    } catch (WireFormatException e) {
                        unreadable.skipped(r.topic(), r.partition(), r.offset(), e);
                        continue;
                    } finally {
                        deadline += System.nanoTime() - readStart; // a registry outage waited out is not Kafka's time
                    }
                    if (modelName.equals(String.valueOf(part.getModelName()))
                            && part.getPart() instanceof ModelManifest m) {
                        live.put(part.getVersion(), m.getChunkCount());
                        manifestKeys.put(r.key(), part.getVersion());
                    }
                }
            }
        }
        return new Scan(live, highestSeen, unreadable);
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        producer.close();
    }
}
