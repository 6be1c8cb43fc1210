package io.extrema.serving.embed;

import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.live.ServingModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
 * Gathers images into batches of up to the {@link BatchRule}'s size, or whatever is waiting once the oldest image
 * has lingered its linger (wall clock, checked by a punctuation) while the thread keeps up with the stream, or its
 * max wait in any case (see {@link ThreadBatch#due}), embeds each batch with one model, and forwards one
 * embedding per image, each with its input record's timestamp: a batch's embeddings in arrival order, the batches
 * as they finish ({@link ThreadBatch}).
 *
 * <p><b>One batch per thread, not per task, run off the thread.</b> The images of every task on the stream thread
 * wait in one {@link ThreadBatch}, so a thread with many partitions still runs full batches, and the batches run on
 * the {@link InferenceWorkers} while the thread goes on reading, decoding and committing. An embedding that comes
 * back while another task is processing waits in this task's {@code ready} queue and is forwarded at this task's
 * next record or punctuation (every 5 ms at most), in this task's own processing context. A thread whose batches
 * are all in flight and which holds a full batch more waits for one to come back: that is the back-pressure
 * that keeps it from decoding the whole topic into memory.
 *
 * <p><b>Why the buffer is a state store.</b> Kafka Streams commits a task's input offsets for every record that
 * has entered {@code process()}, and under exactly-once v2 one commit covers every task of the thread, at times
 * the processor does not choose (the commit interval, another task's request, a rebalance, a shutdown, where
 * {@code close()} runs only after the commit). A buffer held only in fields would lose the images it holds at
 * such a commit if the instance then died. So the buffered records live in a changelogged store until their
 * embedding is forwarded: a commit writes the pending images (waiting, or embedded but not yet forwarded) in the
 * same transaction as the offsets that passed them, and whoever owns the partition next restores them and embeds
 * them first. With caching on, an image buffered and embedded between two commits never reaches the changelog at
 * all (its put and delete cancel in the cache), so the cost is paid only for the few images waiting at a commit.
 * The decoded pixels wait in the thread's batch beside it, so the common case decodes once; restored images are
 * decoded again.
 *
 * <p>With no model in place yet (model.start=wait) nothing is embedded: images wait in the buffer until one is.
 */
public final class BatchEmbedProcessor implements Processor<String, PreparedImage, String, EmbeddingRecord> {
    public static final String BUFFER_STORE = "embed-buffer";
    private static final long FORWARD_EVERY_MS = 5;

    private final LiveModel live;
    private final InferenceWorkers workers;
    private final ImagePreparation preparation;
    private final EmbeddingOutput output;
    private final BatchRule rule;

    private ProcessorContext<String, EmbeddingRecord> context;
    private TimestampedKeyValueStore<Long, ImageRecord> buffer;
    // Embedded, not yet forwarded, in the order their batches finished.
    private final ArrayDeque<Ready> ready = new ArrayDeque<>();
    // Restored from the changelog at init; joined to the thread's batch on the stream thread, before new images.
    private final List<ThreadBatch.Waiting> restored = new ArrayList<>();
    private ThreadBatch batch;
    private long nextSeq;
    private boolean closed;

    private record Ready(long seq, EmbeddingRecord embedding, long timestamp) {}

    public BatchEmbedProcessor(
            LiveModel live,
            InferenceWorkers workers,
            ImagePreparation preparation,
            EmbeddingOutput output,
            BatchRule rule) {
        this.live = live;
        this.workers = workers;
        this.preparation = preparation;
        this.output = output;
        this.rule = rule;
    }

    @Override
    public void init(ProcessorContext<String, EmbeddingRecord> context) {
        this.context = context;
        this.buffer = context.getStateStore(BUFFER_STORE);
        // Images restored from the changelog (a previous owner's pending batch) go first, in their order.
        try (KeyValueIterator<Long, ValueAndTimestamp<ImageRecord>> it = buffer.all()) {
            long last = -1;
            while (it.hasNext()) {
                KeyValue<Long, ValueAndTimestamp<ImageRecord>> kv = it.next();
                last = kv.key;
                restored.add(new ThreadBatch.Waiting(this, kv.key, kv.value.value(), kv.value.timestamp(), null));
            }
            nextSeq = last + 1;
        }
        context.schedule(punctuationPeriod(rule), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    /**
     * How often a task looks for the batches that came back, a batch that is due and a commit to ask for: often,
     * not every linger, as embeddings another task's batch computed for this one are forwarded here. Wall-clock
     * punctuations run only between polls, so the stream thread must not block in a poll for longer than this.
     */
    public static Duration punctuationPeriod(BatchRule rule) {
        return Duration.ofMillis(Math.min(rule.linger().toMillis(), FORWARD_EVERY_MS));
    }

    /** The thread's batch, joined on the stream thread itself (init may run elsewhere), restored images first. */
    private ThreadBatch batch() {
        if (batch == null) {
            batch = workers.batchOfThisThread();
            for (ThreadBatch.Waiting w : restored) {
                batch.add(w, context.currentSystemTimeMs());
            }
            restored.clear();
        }
        return batch;
    }

    /** Collects the batches that came back, forwards this task's embeddings, and submits a batch if one is due. */
    private void punctuate(long now) {
        advance(now);
    }

    @Override
    public void process(Record<String, PreparedImage> record) {
        forwardReady();
        long seq = nextSeq++;
        buffer.put(seq, ValueAndTimestamp.make(record.value().image(), record.timestamp()));
        batch().add(
                        new ThreadBatch.Waiting(
                                this,
                                seq,
                                record.value().image(),
                                record.timestamp(),
                                record.value().chw()),
                        context.currentSystemTimeMs());
        if (batch().size() >= rule.size()) {
            advance(context.currentSystemTimeMs());
        }
    }

    /**
     * Collects the thread's batches that came back, submits full batches (and a partial one when it is due) while
     * the thread may have more in flight, waits for one to come back when it may not and a full batch more is waiting,
     * and forwards this task's embeddings. Nothing is submitted without a model in place.
     */
    private void advance(long now) {
        ThreadBatch b = batch();
        b.collect(false);
        boolean due = b.due(now, rule.linger().toMillis(), rule.maxWait().toMillis()); // then all that waits now is due
        while (b.size() > 0) {
            boolean full = b.size() >= rule.size();
            if (!b.canSubmit()) {
                if (!full) {
                    break;
                }
                b.collect(true);
                continue;
            }
            if (!full && !due) {
                break;
            }
            Optional<ServingModel.Lease> lease = live.lease();
            if (lease.isEmpty()) {
                break;
            }
            b.submitOldest(lease.get(), rule.size(), now);
            b.collect(false); // inline workers are done already
        }
        forwardReady();
        // Keeping up, the embeddings should be visible soon, not at the next commit interval, but an exactly-once
        // commit blocks the thread ~20 ms, so at most one per commit spacing (a commit per batch of a few images
        // fell behind the stream). Behind, the interval commits the backlog in few, long transactions.
        if (!b.behind(now, rule.maxWait().toMillis())
                && b.commitDue(now, rule.commitSpacing().toMillis())) {
            context.commit();
        }
    }

    /** The model input of a waiting image the decode step did not prepare for this size (restored, or resized). */
    float[] prepare(ImageRecord image, int side) {
        return preparation.prepare(image, side);
    }

    /** Whether this task has closed: its images still in flight are dropped when they come back. */
    boolean closed() {
        return closed;
    }

    /** Called by the thread's batch with this task's image's embedding; forwarded in this task's context. */
    void embedded(ThreadBatch.Waiting image, ServingModel model, float[] instance, float[] tokens) {
        EmbeddingRecord out = output.record(image.image(), model.id(), model.config(), instance, tokens, Instant.now());
        ready.add(new Ready(image.seq(), out, image.producedMs()));
    }

    private void forwardReady() {
        if (ready.isEmpty()) {
            return;
        }
        for (Ready r = ready.poll(); r != null; r = ready.poll()) {
            context.forward(new Record<>(r.embedding().getImageId(), r.embedding(), r.timestamp()));
            buffer.delete(r.seq());
        }
        batch().forwarded();
    }

    @Override
    public void close() {
        // Nothing to flush: what is still buffered (waiting or ready) was committed to the changelog with the
        // offsets that passed it, and whoever owns the partition next embeds it.
        closed = true;
        if (batch != null) {
            batch.removeAll(this);
        }
        ready.clear();
    }
}
