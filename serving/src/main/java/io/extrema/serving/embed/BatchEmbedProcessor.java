package io.extrema.serving.embed;

import io.extrema.model.FloatEmbeddings;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.ServingMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Gathers images into batches of up to {@code batchSize}, or whatever is waiting once the oldest image has lingered
 * {@code linger} (wall clock, checked by a punctuation), embeds each batch with one model, and forwards one
 * embedding per image in arrival order, each with its input record's timestamp.
 *
 * <p><b>Linger under load.</b> Time the stream thread spends embedding other tasks' batches does not count toward
 * linger ({@link InferenceClock}): those images could not have been embedded sooner, and counting it would make a
 * busy thread run one-image batches (Kafka Streams hands each task only a few records per loop when processing is
 * slow). {@code maxWait} bounds the wall-clock wait regardless, so a quiet partition is never starved.
 *
 * <p><b>Why the buffer is a state store.</b> Kafka Streams commits a task's input offsets for every record that
 * has entered {@code process()}, and under exactly-once v2 one commit covers every task of the thread, at times
 * the processor does not choose (the commit interval, another task's request, a rebalance, a shutdown, where
 * {@code close()} runs only after the commit). A buffer held only in fields would lose the images it holds at
 * such a commit if the instance then died. So the buffered records live in a changelogged store: a commit
 * writes the pending images in the same transaction as the offsets that passed them, and whoever owns the
 * partition next restores them and embeds them first. With caching on, an image buffered and embedded between
 * two commits never reaches the changelog at all (its put and delete cancel in the cache), so the cost is
 * paid only for the few images waiting at a commit. The decoded pixels are kept beside it in memory, so the
 * common case decodes once; restored images are decoded again.
 *
 * <p>With no model in place yet (model.start=wait) nothing is embedded: images wait in the buffer until one is.
 */
public final class BatchEmbedProcessor implements Processor<String, PreparedImage, String, EmbeddingRecord> {
    public static final String BUFFER_STORE = "embed-buffer";

    private final LiveModel live;
    private final ImagePreparation preparation;
    private final EmbeddingOutput output;
    private final ServingMetrics metrics;
    private final int batchSize;
    private final Duration linger;
    private final Duration maxWait;

    private ProcessorContext<String, EmbeddingRecord> context;
    private TimestampedKeyValueStore<Long, ImageRecord> buffer;
    private final Map<Long, PreparedImage> pixels = new HashMap<>();
    private long nextSeq;
    private int buffered;
    // When the oldest waiting image arrived (wall clock), and the thread's inference clock then.
    private long oldestArrivalMs;
    private long busyAtOldestNanos;

    public BatchEmbedProcessor(
            LiveModel live,
            ImagePreparation preparation,
            EmbeddingOutput output,
            ServingMetrics metrics,
            int batchSize,
            Duration linger,
            Duration maxWait) {
        this.live = live;
        this.preparation = preparation;
        this.output = output;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.linger = linger;
        this.maxWait = maxWait;
    }

    @Override
    public void init(ProcessorContext<String, EmbeddingRecord> context) {
        this.context = context;
        this.buffer = context.getStateStore(BUFFER_STORE);
        // Images restored from the changelog (a previous owner's pending batch) go first, in their order.
        try (KeyValueIterator<Long, ValueAndTimestamp<ImageRecord>> it = buffer.all()) {
            long last = -1;
            while (it.hasNext()) {
                last = it.next().key;
                buffered++;
            }
            nextSeq = last + 1;
        }
        markOldest();
        context.schedule(linger, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    private void markOldest() {
        oldestArrivalMs = context.currentSystemTimeMs();
        busyAtOldestNanos = InferenceClock.busyNanos();
    }

    /**
     * Runs the waiting images when the oldest has lingered long enough: {@code linger} not counting the time this
     * thread spent embedding other batches meanwhile, or {@code maxWait} in any case.
     */
    private void punctuate(long now) {
        if (buffered == 0) {
            return;
        }
        long waitedMs = now - oldestArrivalMs;
        long busyMs = (InferenceClock.busyNanos() - busyAtOldestNanos) / 1_000_000;
        if (waitedMs - busyMs >= linger.toMillis() || waitedMs >= maxWait.toMillis()) {
            flush();
        }
    }

    @Override
    public void process(Record<String, PreparedImage> record) {
        if (buffered == 0) {
            markOldest();
        }
        long seq = nextSeq++;
        buffer.put(seq, ValueAndTimestamp.make(record.value().image(), record.timestamp()));
        pixels.put(seq, record.value());
        buffered++;
        if (buffered >= batchSize) {
            flush();
        }
    }

    /** Embeds everything buffered, batch by batch, if a model is in place. */
    private void flush() {
        while (buffered > 0) {
            Optional<ServingModel.Lease> lease = live.lease();
            if (lease.isEmpty()) {
                return;
            }
            try (ServingModel.Lease l = lease.get()) {
                embedBatch(l.model());
            }
        }
    }

    private void embedBatch(ServingModel model) {
        List<KeyValue<Long, ValueAndTimestamp<ImageRecord>>> batch = new ArrayList<>(batchSize);
        try (KeyValueIterator<Long, ValueAndTimestamp<ImageRecord>> it = buffer.all()) {
            while (it.hasNext() && batch.size() < batchSize) {
                batch.add(it.next());
            }
        }
        int side = model.config().imageSize();
        int plane = 3 * side * side;
        float[] chw = new float[batch.size() * plane]; // [B, 3, S, S]
        for (int i = 0; i < batch.size(); i++) {
            PreparedImage p = pixels.get(batch.get(i).key);
            float[] x = p != null && p.size() == side
                    ? p.chw()
                    : preparation.prepare(batch.get(i).value.value(), side); // restored, or a new model's size
            System.arraycopy(x, 0, chw, i * plane, plane);
        }
        long t0 = System.nanoTime();
        FloatEmbeddings e;
        try {
            e = model.embed(chw, batch.size()); // instance [B, D], tokens [B, N·D]
        } catch (RuntimeException failure) {
            throw new BatchFailedException(
                    "embedding a batch of " + batch.size() + " with " + model.id() + " failed", failure);
        }
        long nanos = System.nanoTime() - t0;
        InferenceClock.add(nanos);
        double millis = nanos / 1e6;
        Instant now = Instant.now();
        for (int i = 0; i < batch.size(); i++) {
            ImageRecord image = batch.get(i).value.value();
            EmbeddingRecord out = output.record(image, model.id(), model.config(), e.instance()[i], e.tokens()[i], now);
            context.forward(new Record<>(image.getId(), out, batch.get(i).value.timestamp()));
            buffer.delete(batch.get(i).key);
            pixels.remove(batch.get(i).key);
        }
        buffered -= batch.size();
        markOldest(); // what is left arrived after the batch was cut, at the latest now
        metrics.embedded(batch.size(), millis);
    }

    @Override
    public void close() {
        // Nothing to flush: what is still buffered was committed to the changelog with the offsets that passed it.
        pixels.clear();
    }
}
