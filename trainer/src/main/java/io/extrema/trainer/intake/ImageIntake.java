package io.extrema.trainer.intake;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.ImageShrink;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.registry.SchemaRegistryException;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.trainer.offsets.OffsetLedger;
import io.extrema.trainer.offsets.PartitionPosition;
import io.extrema.trainer.offsets.RecordPosition;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayItem;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the images topic and fills the replay buffer, off the training thread.
 *
 * <p>One thread owns the consumer (Kafka consumers are single-threaded): it polls, skips what a restored checkpoint
 * already reflects, and hands records to a pool of decode workers through a bounded queue. When the queue is full it
 * pauses its partitions (and keeps polling, so the group keeps it) until the workers catch up: back-pressure
 * instead of unbounded memory. Records are read as bytes and deserialised by the workers, so a record that cannot be
 * read is dead-lettered with its original bytes. Offsets are committed only when the trainer asks, with positions
 * taken from a checkpoint. After a restart, records the checkpoint reflects are read again to refill the replay
 * buffer ({@link BufferRefill}).
 */
public final class ImageIntake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImageIntake.class);
    private static final Duration POLL = Duration.ofMillis(100);

    /** How the decode workers turn a record into a buffered image. */
    public record Decoding(ImageLimits limits, int storeShortSide) {}

    /** Why a record is decoded: to train on, or to refill the buffer with an image the weights already reflect. */
    private enum Purpose {
        TRAIN,
        REFILL
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SpecificAvroDeserializer<ImageRecord> deserializer;
    private final String topic;
    private final OffsetLedger ledger;
    private final ReplayBuffer buffer;
    private final DeadLetterSink deadLetters;
    private final IntakeCounters counters;
    private final Decoding decoding;
    private final BufferRefill refill;
    private final ThreadPoolExecutor workers;
    private final Thread pollThread;
    private final AtomicReference<CommitRequest> commitRequest = new AtomicReference<>();
    private volatile boolean running = true;
    private boolean started;
    private volatile Throwable failure;

    private record CommitRequest(Map<TopicPartition, OffsetAndMetadata> offsets, CompletableFuture<Void> done) {}

    public ImageIntake(
            Map<String, Object> kafka,
            Map<String, Object> serde,
            String groupId,
            String topic,
            OffsetLedger ledger,
            ReplayBuffer buffer,
            DeadLetterSink deadLetters,
            IntakeCounters counters,
            Decoding decoding,
            int threads,
            int queueCapacity,
            int refillCapacity) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // Offsets are committed only for records a checkpoint reflects, never automatically.
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group trains on the whole retained stream.
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(16, Math.min(500, queueCapacity)));
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "extrema-trainer-images");
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deserializer = new SpecificAvroDeserializer<>(ImageRecord.class);
        this.deserializer.configure(serde, false);
        this.topic = topic;
        this.ledger = ledger;
        this.buffer = buffer;
        this.deadLetters = deadLetters;
        this.counters = counters;
        this.decoding = decoding;
        this.refill = new BufferRefill(ledger.snapshot(), refillCapacity);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(
                threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "extrema-decode-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.pollThread = new Thread(this::pollLoop, "extrema-intake");
    }

    public void start() {
        started = true;
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                // Nothing to commit here: only checkpoints commit, and the next owner resumes from them.
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // The checkpoint's positions win over the group's committed offsets: they are what the weights
                // reflect, and a commit may have failed after the checkpoint was written.
                Map<TopicPartition, PartitionPosition> known = ledger.snapshot();
                for (TopicPartition tp : partitions) {
                    PartitionPosition p = known.get(tp);
                    if (p != null) {
                        long start = refill.startOffset(tp, p.next(), partitions.size());
                        consumer.seek(tp, start);
                        if (start < p.next()) {
                            log.info(
                                    "{} resumes at offset {} (checkpoint), refilling the replay buffer from {}",
                                    tp,
                                    p.next(),
                                    start);
                        } else {
                            log.info("{} resumes at offset {} (checkpoint)", tp, p.next());
                        }
                    }
                }
            }
        });
        pollThread.start();
    }

    /**
     * Commits {@code next} offsets (from a checkpoint) to the group, on the consumer's thread.
     *
     * @return completes when the commit succeeded
     */
    public CompletableFuture<Void> commit(Map<TopicPartition, PartitionPosition> positions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        positions.forEach((tp, p) -> offsets.put(tp, new OffsetAndMetadata(p.next())));
        CommitRequest request = new CommitRequest(offsets, new CompletableFuture<>());
        CommitRequest replaced = commitRequest.getAndSet(request);
        if (replaced != null) {
            // A newer checkpoint's offsets include everything the older ones did.
            request.done.whenComplete((v, e) -> {
                if (e == null) replaced.done.complete(null);
                else replaced.done.completeExceptionally(e);
            });
        }
        if (!running) {
            request.done.completeExceptionally(new IllegalStateException("intake closed"));
        }
        // Picked up within one poll interval; no wakeup, which could abort a commit already under way.
        return request.done;
    }

    /** The error that stopped the consumer thread, if it stopped. */
    public Throwable failure() {
        return failure;
    }

    private void pollLoop() {
        ArrayDeque<ConsumerRecord<byte[], byte[]>> backlog = new ArrayDeque<>();
        try {
            while (running) {
                commitIfRequested();
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                        backlog.add(r);
                    }
                } catch (WakeupException e) {
                    continue; // a commit request or close
                }
                dispatch(backlog);
                if (backlog.isEmpty()) {
                    consumer.resume(consumer.paused());
                } else {
                    consumer.pause(consumer.assignment());
                }
                updateLag();
            }
            commitIfRequested();
        } catch (Throwable t) {
            failure = t;
            log.error("intake stopped", t);
        } finally {
            running = false;
            CommitRequest left = commitRequest.getAndSet(null);
            if (left != null) {
                left.done.completeExceptionally(new IllegalStateException("intake closed before committing"));
            }
            consumer.close();
        }
    }

    private void commitIfRequested() {
        CommitRequest request = commitRequest.getAndSet(null);
        if (request == null) {
            return;
        }
        try {
            consumer.commitSync(request.offsets);
            request.done.complete(null);
        } catch (RuntimeException e) {
            request.done.completeExceptionally(e);
        }
    }

    private void dispatch(ArrayDeque<ConsumerRecord<byte[], byte[]>> backlog) {
        while (!backlog.isEmpty() && workers.getQueue().remainingCapacity() > 0) {
            ConsumerRecord<byte[], byte[]> record = backlog.poll();
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            if (!ledger.shouldProcess(tp, record.offset())) {
                counters.skippedReflected.incrementAndGet();
                if (refill.take(tp, record.offset())) {
                    workers.execute(() -> decode(record, Purpose.REFILL));
                }
                continue;
            }
            counters.consumed.incrementAndGet();
            workers.execute(() -> decode(record, Purpose.TRAIN));
        }
    }

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag += l.getAsLong();
            }
        }
        counters.lag.set(lag);
    }

    /** On a decode worker: record bytes to a buffered image, or a dead letter. */
    private void decode(ConsumerRecord<byte[], byte[]> record, Purpose purpose) {
        RecordPosition position =
                new RecordPosition(new TopicPartition(record.topic(), record.partition()), record.offset());
        ReplayItem item;
        try {
            ImageRecord image = deserialize(record);
            if (image == null) {
                throw new IllegalArgumentException("record has no value (a tombstone): no image");
            }
            DecodedImage decoded = ImageDecoder.decode(bytes(image.getData()), decoding.limits());
            item = new ReplayItem(
                    position,
                    String.valueOf(image.getId()),
                    image.getLabel() == null ? null : image.getLabel().toString(),
                    ImageShrink.shrink(decoded, decoding.storeShortSide()));
        } catch (ImageRejectedException | RuntimeException e) {
            // Deserialisation (WireFormatException), limits, decoding: the record itself is bad. A refill was
            // dead-lettered when it was first read.
            if (purpose == Purpose.TRAIN) {
                deadLetters.send(record, e);
            }
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the record stays pending and is re-read after restart
            return;
        }
        if (purpose == Purpose.REFILL) {
            buffer.refill(item); // counted by the buffer (Stats.refilled)
            return;
        }
        counters.decoded.incrementAndGet();
        try {
            // Returns false when the policy drops the image at once; it is settled through the buffer's drop hook.
            buffer.offer(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deserialises, retrying while the schema registry is unreachable (not the record's fault). */
    private ImageRecord deserialize(ConsumerRecord<byte[], byte[]> record) throws InterruptedException {
        long backoffMs = 200;
        while (true) {
            try {
                return deserializer.deserialize(
                        record.topic(),
                        record.headers(),
                        record.value() == null ? null : ByteBuffer.wrap(record.value()));
            } catch (SchemaRegistryException e) {
                if (!running) {
                    throw new InterruptedException("closing while the schema registry is unreachable");
                }
                log.warn("schema registry unreachable, retrying in {} ms: {}", backoffMs, e.getMessage());
                Thread.sleep(backoffMs);
                backoffMs = Math.min(10_000, backoffMs * 2);
            }
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Stops reading, stops the workers (records in flight stay pending, so they are re-read after a restart). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        if (started) {
            consumer.wakeup();
            pollThread.join();
        } else {
            consumer.close();
        }
        workers.shutdownNow();
        workers.awaitTermination(30, TimeUnit.SECONDS);
        deserializer.close();
    }
}
