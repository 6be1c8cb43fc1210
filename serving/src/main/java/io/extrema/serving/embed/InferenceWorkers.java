package io.extrema.serving.embed;

import io.extrema.model.FloatEmbeddings;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.ServingMetrics;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run inference batches, so that a stream thread goes on polling, decoding and committing while
 * its batches run. Run on the stream thread itself, inference stood still whenever the thread waited for the
 * broker (a commit, a flush, a poll: 15 % of a drain) and a batch held every image behind it; here those waits
 * overlap the model's work, and images that arrive while all workers are busy gather into the next batch.
 *
 * <p>On a CPU, one worker per core, each with a single-threaded libtorch pool ({@code ComputeDevice.shareCores});
 * on a GPU, one. {@link #inline(ServingMetrics)} runs each batch on the thread that submits it, for tests that drive a topology
 * on one thread.
 *
 * <p>Each instance keeps one {@link ThreadBatch} per stream thread ({@link #batchOfThisThread()}).
 */
public final class InferenceWorkers implements AutoCloseable {
    private final ExecutorService pool; // null: inline
    private final int threads;
    private final int inFlightPerThread;
    private final ServingMetrics metrics;
    private final AtomicInteger pending = new AtomicInteger(); // submitted, not finished
    private final ThreadLocal<ThreadBatch> batches = ThreadLocal.withInitial(() -> new ThreadBatch(this));

    private InferenceWorkers(int threads, int inFlightPerThread, ServingMetrics metrics) {
        this.threads = threads;
        this.inFlightPerThread = inFlightPerThread;
        this.metrics = metrics;
        AtomicInteger n = new AtomicInteger();
        this.pool = threads == 0
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "extrema-inference-" + n.incrementAndGet());
                    t.setDaemon(true); // a batch in flight at exit is in its task's changelogged buffer
                    return t;
                });
    }

    /**
     * {@code threads} workers fed by {@code streamThreads} stream threads, each of which may have its share of the
     * workers' batches in flight: enough for every worker to have one when every stream thread has its batches out,
     * and no more, as a queued batch only adds to the latency of the images behind it.
     */
    public static InferenceWorkers of(int threads, int streamThreads, ServingMetrics metrics) {
        if (threads < 1 || streamThreads < 1) {
            throw new IllegalArgumentException(
                    "inference threads " + threads + ", stream threads " + streamThreads + ": each at least 1");
        }
        return new InferenceWorkers(threads, (threads + streamThreads - 1) / streamThreads, metrics);
    }

    /** No workers: each batch runs on the thread that submits it, and is done when submitted. */
    public static InferenceWorkers inline(ServingMetrics metrics) {
        return new InferenceWorkers(0, Integer.MAX_VALUE, metrics);
    }

    /** The calling stream thread's batch, made on first use. */
    ThreadBatch batchOfThisThread() {
        return batches.get();
    }

    /** Batches a thread may have submitted and not yet collected. */
    int inFlightPerThread() {
        return inFlightPerThread;
    }

    /** Whether a worker would start a batch now rather than queue it. */
    boolean idleWorker() {
        return pool == null || pending.get() < threads;
    }

    /**
     * Embeds {@code batch} images with the leased model, which it releases when the batch is done.
     *
     * @param chw [B, 3, S, S] images
     */
    Future<FloatEmbeddings> submit(ServingModel.Lease lease, float[] chw, int batch) {
        Callable<FloatEmbeddings> task = () -> {
            try (lease) {
                long t0 = System.nanoTime();
                FloatEmbeddings e = lease.model().embed(chw, batch); // instance [B, D], tokens [B, N·D]
                metrics.embedded(batch, (System.nanoTime() - t0) / 1e6);
                return e;
            } finally {
                pending.decrementAndGet();
            }
        };
        pending.incrementAndGet();
        if (pool == null) {
            FutureTask<FloatEmbeddings> now = new FutureTask<>(task);
            now.run();
            return now;
        }
        return pool.submit(task);
    }

    /** Stops the workers after the batches already submitted (their results are no longer collected). */
    @Override
    public void close() throws InterruptedException {
        if (pool != null) {
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        }
    }
}
