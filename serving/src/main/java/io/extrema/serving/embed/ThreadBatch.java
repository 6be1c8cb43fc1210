package io.extrema.serving.embed;

import io.extrema.model.FloatEmbeddings;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.serving.live.ServingModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The images waiting on one stream thread, whichever of its tasks holds them, and the batches it has handed to the
 * {@link InferenceWorkers}. Kafka Streams gives each partition its own task, and a thread with four partitions cut
 * four batches of a quarter the size: inference on a CPU runs at half its rate for batches of 19 against 32. So
 * every task of the thread adds its images here, a batch is cut from the oldest across tasks, and each image's
 * embedding goes back to the task that owns it, which forwards it in its own processing context (at once if it is
 * the caller, else at its next record or punctuation).
 *
 * <p><b>Batches come back as they finish, not in the order they were cut.</b> In cut order, a small batch done on
 * one worker waited for a full one still running on the other and kept its worker's slot: after any stall, the
 * thread then cut a full batch for one worker and a few images for the other, again and again, and ran at one
 * core's rate, barely above a stream at half the maximum (2 s of 400-500 ms latencies at 166 images/s, session
 * 23). An image's embedding is keyed by its id and carries its own timestamp; only the order of embeddings of
 * different images changes.
 *
 * <p>One per thread: only that thread touches it, so nothing here is locked (the workers see only a batch's
 * pixels and its model lease).
 */
final class ThreadBatch {
    /** An image waiting for inference, and the task that will forward its embedding. */
    record Waiting(BatchEmbedProcessor owner, long seq, ImageRecord image, long producedMs, float[] chw) {}

    /** A batch the workers are running or will run. */
    private record InFlight(List<Waiting> images, ServingModel model, Future<FloatEmbeddings> result) {}

    private final InferenceWorkers workers;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private long oldestArrivalMs;
    // When the newest waiting image was produced (its record timestamp): long ago means the thread is behind.
    private long newestProducedMs;
    private long lastCommitRequestMs = Long.MIN_VALUE / 2;
    // Some task of this thread forwarded embeddings since the thread last asked for a commit.
    private boolean forwardedSinceCommit;

    ThreadBatch(InferenceWorkers workers) {
        this.workers = workers;
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

    /** Whether another batch may be handed to the workers now. */
    boolean canSubmit() {
        return inFlight.size() < workers.inFlightPerThread();
    }

    /**
     * Whether the waiting images should run before the batch is full: once the oldest has waited {@code lingerMs}
     * while the thread keeps up with the stream and a worker is free to start them, or {@code maxWaitMs} in any
     * case. A thread that is behind (its newest image was produced more than {@code maxWaitMs} ago) has a backlog
     * of images already on the topic: cutting then would only make batches smaller, as a commit or a poll alone
     * can outlast the linger. With every worker busy, the images that keep arriving make the next batch larger.
     *
     * <p>The linger counts from when the oldest image was produced (its record timestamp), not from when it
     * arrived: the main consumer's fetch already held it at the broker for up to a linger while more images
     * gathered, and waiting a second linger here only added to every image's latency. The credit is bounded by
     * one linger, so an old event time or a skewed producer clock can at most cut the batch on arrival, never hold
     * it longer.
     */
    boolean due(long nowMs, long lingerMs, long maxWaitMs) {
        if (waiting.isEmpty()) {
            return false;
        }
        long waited = nowMs - oldestArrivalMs;
        long onTheTopic = Math.max(0, Math.min(oldestArrivalMs - waiting.peek().producedMs(), lingerMs));
        return waited >= maxWaitMs
                || (waited + onTheTopic >= lingerMs && !behind(nowMs, maxWaitMs) && workers.idleWorker());
    }

    /** Whether the newest image this thread has seen was produced more than {@code maxWaitMs} ago. */
    boolean behind(long nowMs, long maxWaitMs) {
        return nowMs - newestProducedMs > maxWaitMs;
    }

    /** Notes that a task of this thread forwarded embeddings, which a read_committed reader sees at the next commit. */
    void forwarded() {
        forwardedSinceCommit = true;
    }

    /**
     * Whether this thread should ask for a commit now: it forwarded embeddings since it last asked, and asked no
     * sooner than {@code spacingMs} ago. Under exactly-once one commit covers every task of the thread, so the
     * spacing is the thread's, not a task's. Checked at every punctuation, so an embedding waits at most about the
     * spacing for its commit, not until the next batch after the spacing has passed.
     */
    boolean commitDue(long nowMs, long spacingMs) {
        if (!forwardedSinceCommit || nowMs - lastCommitRequestMs < spacingMs) {
            return false;
        }
        lastCommitRequestMs = nowMs;
        forwardedSinceCommit = false;
        return true;
    }

    /**
     * Forgets a closing task's waiting images: they stay in its changelogged buffer for whoever owns it next. Its
     * images in flight are dropped when their batch comes back.
     */
    void removeAll(BatchEmbedProcessor owner) {
        waiting.removeIf(w -> w.owner() == owner);
    }

    /** Hands the oldest {@code batchSize} waiting images to the workers, to embed with the leased model. */
    void submitOldest(ServingModel.Lease lease, int batchSize, long nowMs) {
        int side = lease.model().config().imageSize();
        int plane = 3 * side * side;
        List<Waiting> batch = new ArrayList<>(Math.min(batchSize, waiting.size()));
        while (batch.size() < batchSize && !waiting.isEmpty()) {
            batch.add(waiting.poll());
        }
        float[] chw = new float[batch.size() * plane]; // [B, 3, S, S]
        for (int i = 0; i < batch.size(); i++) {
            Waiting w = batch.get(i);
            float[] x = w.chw() != null && w.chw().length == plane
                    ? w.chw()
                    : w.owner().prepare(w.image(), side);
            System.arraycopy(x, 0, chw, i * plane, plane);
        }
        inFlight.add(new InFlight(batch, lease.model(), workers.submit(lease, chw, batch.size())));
        oldestArrivalMs = nowMs; // what is left arrived after the batch was cut, at the latest now
    }

    /**
     * Hands the embeddings of the batches that are done to their owners, the batches in the order they were cut;
     * with {@code waitForOne}, when none is done, first waits for the oldest batch in flight, if any.
     *
     * @throws BatchFailedException when a batch's inference failed; its images stay in their owners' buffers
     */
    void collect(boolean waitForOne) {
        if (waitForOne
                && !inFlight.isEmpty()
                && inFlight.stream().noneMatch(b -> b.result().isDone())) {
            resultOf(inFlight.peek());
        }
        for (Iterator<InFlight> it = inFlight.iterator(); it.hasNext(); ) {
            InFlight b = it.next();
            if (!b.result().isDone()) {
                continue;
            }
            it.remove();
            FloatEmbeddings e = resultOf(b);
            for (int i = 0; i < b.images().size(); i++) {
                Waiting w = b.images().get(i);
                if (!w.owner().closed()) {
                    w.owner().embedded(w, b.model(), e.instance()[i], e.tokens()[i]);
                }
            }
        }
    }

    private static FloatEmbeddings resultOf(InFlight b) {
        try {
            return b.result().get();
        } catch (ExecutionException failure) {
            throw new BatchFailedException(
                    "embedding a batch of " + b.images().size() + " with "
                            + b.model().id() + " failed",
                    failure.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new BatchFailedException(
                    "interrupted waiting for a batch of " + b.images().size() + " with "
                            + b.model().id(),
                    interrupted);
        }
    }
}
