package io.extrema.serving.embed;

import io.extrema.model.FloatEmbeddings;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.ServingMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The images waiting on one stream thread, whichever of its tasks holds them. Kafka Streams gives each partition
 * its own task, and a thread with four partitions cut four batches of a quarter the size: inference on a CPU runs
 * at half its rate for batches of 19 against 32. So every task of the thread adds its images here, a batch is cut
 * from the oldest across tasks, and each image's embedding goes back to the task that owns it, which forwards it in
 * its own processing context (at once if it is the caller, else at its next record or punctuation).
 *
 * <p>One per thread: only that thread touches it, so nothing here is locked.
 */
final class ThreadBatch {
    private static final ThreadLocal<ThreadBatch> CURRENT = ThreadLocal.withInitial(ThreadBatch::new);

    /** An image waiting for inference, and the task that will forward its embedding. */
    record Waiting(BatchEmbedProcessor owner, long seq, ImageRecord image, long producedMs, float[] chw) {}

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private long oldestArrivalMs;
    // When the newest waiting image was produced (its record timestamp): long ago means the thread is behind.
    private long newestProducedMs;
    private long lastCommitRequestMs = Long.MIN_VALUE / 2;

    static ThreadBatch current() {
        return CURRENT.get();
    }

    void add(Waiting image, long nowMs) {
        if (waiting.isEmpty()) {
            oldestArrivalMs = nowMs;
        }
        waiting.add(image);
        newestProducedMs = image.producedMs();
    }

    int size() {
        return waiting.size();
    }

    /**
     * Whether the waiting images should run before the batch is full: once the oldest has waited {@code lingerMs}
     * while the thread keeps up with the stream, or {@code maxWaitMs} in any case. A thread that is behind (its
     * newest image was produced more than {@code maxWaitMs} ago) has a backlog of images already on the topic:
     * cutting then would only make batches smaller, as a commit or a poll alone can outlast the linger.
     */
    boolean due(long nowMs, long lingerMs, long maxWaitMs) {
        if (waiting.isEmpty()) {
            return false;
        }
        long waited = nowMs - oldestArrivalMs;
        return waited >= maxWaitMs || (waited >= lingerMs && !behind(nowMs, maxWaitMs));
    }

    /** Whether the newest image this thread has seen was produced more than {@code maxWaitMs} ago. */
    boolean behind(long nowMs, long maxWaitMs) {
        return nowMs - newestProducedMs > maxWaitMs;
    }

    /**
     * Whether this thread may ask for a commit now, at most one per {@code spacingMs}: under exactly-once one
     * commit covers every task of the thread, so the spacing is the thread's, not a task's.
     */
    boolean commitDue(long nowMs, long spacingMs) {
        if (nowMs - lastCommitRequestMs < spacingMs) {
            return false;
        }
        lastCommitRequestMs = nowMs;
        return true;
    }

    /** Forgets a closing task's images: they stay in its changelogged buffer for whoever owns it next. */
    void removeAll(BatchEmbedProcessor owner) {
        waiting.removeIf(w -> w.owner() == owner);
    }

    /**
     * Embeds the oldest {@code batchSize} waiting images with {@code model} and hands each embedding to its owner.
     *
     * @throws BatchFailedException when inference fails; the images stay in their owners' buffers
     */
    void embedOldest(ServingModel model, int batchSize, ServingMetrics metrics, long nowMs) {
        int side = model.config().imageSize();
        int plane = 3 * side * side;
        List<Waiting> batch = new ArrayList<>(Math.min(batchSize, waiting.size()));
        for (Waiting w : waiting) {
            if (batch.size() == batchSize) {
                break;
            }
            batch.add(w);
        }
        float[] chw = new float[batch.size() * plane]; // [B, 3, S, S]
        for (int i = 0; i < batch.size(); i++) {
            Waiting w = batch.get(i);
            float[] x = w.chw() != null && w.chw().length == plane
                    ? w.chw()
                    : w.owner().prepare(w.image(), side);
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
        metrics.embedded(batch.size(), (System.nanoTime() - t0) / 1e6);
        for (int i = 0; i < batch.size(); i++) {
            waiting.poll();
            batch.get(i).owner().embedded(batch.get(i), model, e.instance()[i], e.tokens()[i]);
        }
        oldestArrivalMs = nowMs; // what is left arrived after the batch was cut, at the latest now
    }

    private ThreadBatch() {}
}
