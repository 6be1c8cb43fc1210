package io.extrema.serving.live;

import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionAssembler;
import io.extrema.schemas.models.ModelVersionAssembler.Outcome;
import io.extrema.schemas.models.ModelVersionAssembler.Refused;
import io.extrema.schemas.models.ModelVersionAssembler.Verified;
import io.extrema.schemas.models.ModelVersionCodec;
import io.extrema.schemas.registry.SchemaRegistryException;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.UnreadableRecords;
import io.extrema.serving.metrics.ServingMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the models topic on its own thread: reassembles and verifies each version, loads it, and swaps it into
 * the {@link LiveModel}. Loading (seconds for a large network) never happens on a stream thread, so embedding
 * goes on with the old model meanwhile.
 *
 * <p>A plain consumer rather than a global store: the topic holds large weight chunks that only make sense once
 * reassembled in order, nothing is ever looked up by key, and a global store would copy every chunk to local disk
 * and restore it through a path that bypasses our processor. The consumer has no group: every instance reads the
 * whole (single-partition, compacted) topic from the beginning, with read_committed so an aborted publication is
 * never seen.
 *
 * <p>At start it reads up to the end offsets it found, remembering the newest verified versions, then loads the
 * newest that loads (older ones are fall-backs); after that, every verified version newer than the current one
 * is loaded as it arrives. A version that fails verification or loading is refused, logged and counted; the
 * model in place stays.
 */
public final class ModelFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);
    /** Verified versions kept while catching up, as fall-backs if the newest does not load. */
    private static final int START_CANDIDATES = 3;
    /** How long to wait before looking again for a models topic that does not exist yet. */
    private static final Duration TOPIC_RETRY = Duration.ofSeconds(10);

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

    private final KafkaConsumer<String, ModelPart> consumer;
    private final String topic;
    private final String lineage;
    private final LiveModel live;
    private final ServingMetrics metrics;
    private final ModelVersionAssembler assembler = new ModelVersionAssembler();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    /** Counted down by {@link #close()}: ends a wait for the topic to exist without interrupting the thread. */
    private final CountDownLatch closing = new CountDownLatch(1);

    private final Thread thread;
    private volatile boolean running = true;
    private final UnreadableRecords unreadable = new UnreadableRecords(LOG, "the model follower");
    private volatile boolean versionsSeen;
    private volatile boolean unreadableOfLineage;

    /**
     * @param clientConfigs consumer settings (bootstrap servers, registry, security); group and offsets are ours
     * @param lineage       follow only this model name; empty for any
     */
    public ModelFollower(
            Map<String, Object> clientConfigs, String topic, String lineage, LiveModel live, ServingMetrics metrics) {
        Map<String, Object> configs = new HashMap<>(clientConfigs);
        configs.remove(ConsumerConfig.GROUP_ID_CONFIG);
        configs.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        configs.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        configs.put(ConsumerConfig.CLIENT_ID_CONFIG, "extrema-model-follower-" + System.identityHashCode(this));
        SpecificAvroDeserializer<ModelPart> values = new SpecificAvroDeserializer<>(ModelPart.class);
        values.configure(configs, false);
        this.consumer = new KafkaConsumer<>(configs, new StringDeserializer(), values);
        this.topic = topic;
        this.lineage = lineage;
        this.live = live;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "extrema-model-follower");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Blocks until the versions present at start have been read (and the newest loadable one loaded). */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = partitions();
            if (partitions.isEmpty()) {
                return; // closed while waiting for the topic
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Deque<ModelVersion> candidates = new ArrayDeque<>();
            boolean starting = true;
            while (running) {
                for (ConsumerRecord<String, ModelPart> r : poll()) {
                    ModelPart part = r.value();
                    if (part != null && (lineage.isEmpty() || lineage.equals(part.getModelName()))) {
                        assembler.accept(part).ifPresent(o -> decide(o, candidates));
                    }
                }
                if (starting && reached(end)) {
                    starting = false;
                    loadNewestOf(candidates);
                    caughtUp.countDown();
                }
                // After start-up the deque is only a hand-over from decide() to a load right away.
                if (!starting) {
                    loadNewestOf(candidates);
                }
            }
        } catch (WakeupException e) {
            // close() woke a blocking call: the way we stop
        } catch (InterruptedException e) {
            // Nobody but the JVM interrupts this thread; keep the flag for whoever looks after us.
            LOG.warn("model follower interrupted; the service keeps embedding with {}", live.id());
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("model follower stopped; the service keeps embedding with {}", live.id(), e);
        } finally {
            // Not interrupted by close(), so the consumer closes normally (it leaves no fetch behind).
            consumer.close(CLOSE_TIMEOUT);
            caughtUp.countDown();
        }
    }

    /**
     * The models topic's partitions, once it exists (the trainer or the stack may create it after we start);
     * empty when {@link #close()} came first.
     */
    private List<TopicPartition> partitions() throws InterruptedException {
        while (true) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            if (!partitions.isEmpty()) {
                return partitions;
            }
            LOG.warn("models topic {} does not exist yet; looking again in {} s", topic, TOPIC_RETRY.toSeconds());
            if (closing.await(TOPIC_RETRY.toMillis(), TimeUnit.MILLISECONDS)) {
                return List.of();
            }
        }
    }

    private Iterable<ConsumerRecord<String, ModelPart>> poll() throws InterruptedException {
        try {
            return consumer.poll(Duration.ofMillis(500));
        } catch (RecordDeserializationException e) {
            if (SchemaRegistryException.isOutage(e)) {
                // The registry is away (the deserializer already waited): read the same record again later.
                LOG.warn(
                        "models-topic record {}@{} waits for the schema registry: {}",
                        e.topicPartition(),
                        e.offset(),
                        e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
                consumer.seek(e.topicPartition(), e.offset());
                closing.await(TOPIC_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                return List.of();
            }
            // A record that is not a ModelPart cannot belong to any version: skip it; its version will fail.
            unreadable.skipped(e.topicPartition().topic(), e.topicPartition().partition(), e.offset(), e);
            metrics.modelRecordUnreadable();
            unreadableOfLineage |= e.keyBuffer() == null
                    || ofLineage(StandardCharsets.UTF_8
                            .decode(e.keyBuffer().duplicate())
                            .toString());
            consumer.seek(e.topicPartition(), e.offset() + 1);
            return List.of();
        }
    }

    private boolean ofLineage(String key) {
        return lineage.isEmpty() || ModelVersionCodec.versionOfKey(lineage, key).isPresent();
    }

    /**
     * Whether the topic held versions of the lineage when the follower caught up, whether or not one loaded: a
     * version that was refused, or a record of the lineage that could not be read. A service must not stand in a
     * fresh network for a trained lineage it failed to read.
     */
    public boolean trainedVersionsSeen() {
        return versionsSeen || unreadableOfLineage;
    }

    /** Records of the models topic skipped as unreadable, by cause. */
    public UnreadableRecords unreadable() {
        return unreadable;
    }

    private void decide(Outcome outcome, Deque<ModelVersion> candidates) {
        versionsSeen = true;
        if (outcome instanceof Refused r) {
            refuse(r.modelName() + " v" + r.version(), r.reason());
        } else if (outcome instanceof Verified v) {
            candidates.addLast(v.version());
            while (candidates.size() > START_CANDIDATES) {
                candidates.removeFirst();
            }
        }
    }

    /** Loads the newest candidate that loads and is newer than the model in place; clears the candidates. */
    private void loadNewestOf(Deque<ModelVersion> candidates) {
        while (!candidates.isEmpty()) {
            ModelVersion v = candidates.removeLast();
            ModelId id = new ModelId(v.modelName(), v.version(), v.step());
            if (live.id().isPresent() && !live.id().get().supersededBy(id)) {
                LOG.info("ignoring {}: not newer than {}", id, live.id().get());
                continue;
            }
            try {
                long t0 = System.nanoTime();
                ServingModel loaded = ServingModel.load(v);
                LOG.info("loaded {} in {} ms", id, (System.nanoTime() - t0) / 1_000_000);
                live.swap(loaded);
                candidates.clear();
            } catch (Exception e) {
                refuse(id.toString(), "does not load: " + e.getMessage());
            }
        }
    }

    private void refuse(String what, String reason) {
        LOG.warn(
                "refusing model version {}: {}; keeping {}",
                what,
                reason,
                live.id().map(ModelId::toString).orElse("no model"));
        metrics.versionRefused();
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops the thread and closes the consumer. The consumer is woken, never interrupted: an interrupted thread
     * cannot close a Kafka consumer cleanly (its fetcher close fails with an {@code InterruptException}).
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        closing.countDown();
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(CLOSE_TIMEOUT); // never started: no thread owns it
            return;
        }
        consumer.wakeup();
        thread.join(CLOSE_TIMEOUT.toMillis() * 2);
        if (thread.isAlive()) {
            LOG.error("model follower did not stop within {} s", CLOSE_TIMEOUT.toSeconds() * 2);
        }
    }
}
