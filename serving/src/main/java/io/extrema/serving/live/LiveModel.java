package io.extrema.serving.live;

import io.extrema.serving.metrics.ServingMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model embedding right now, swapped atomically between batches.
 *
 * <p>A batch {@linkplain #lease() leases} the current model and embeds every image of the batch with it; a swap
 * only replaces the reference, so a batch never mixes models and never sees a half-loaded one (a model is
 * published here only once fully loaded and checked). The replaced model is closed when its last lease is
 * returned, so its native memory outlives no batch and no batch outlives it.
 */
public final class LiveModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveModel.class);

    private final AtomicReference<ServingModel> current = new AtomicReference<>();
    private final ServingMetrics metrics;
    private final Object firstArrival = new Object();

    public LiveModel(ServingMetrics metrics) {
        this.metrics = metrics;
    }

    /** The current model for one batch, or empty when there is none yet; close the lease after the batch. */
    public Optional<ServingModel.Lease> lease() {
        while (true) {
            ServingModel m = current.get();
            if (m == null) {
                return Optional.empty();
            }
            Optional<ServingModel.Lease> lease = m.tryLease();
            if (lease.isPresent()) {
                return lease;
            }
            // Retired between get() and tryLease(): a newer model is already in place; take that one.
        }
    }

    /** Which model embeds now, if any. */
    public Optional<ModelId> id() {
        return Optional.ofNullable(current.get()).map(ServingModel::id);
    }

    /** Input side of the current model, 0 when there is none yet. */
    public int imageSize() {
        ServingModel m = current.get();
        return m == null ? 0 : m.config().imageSize();
    }

    /** Puts {@code next} in place for the next batch; the previous model closes after its in-flight batches. */
    public void swap(ServingModel next) {
        ServingModel previous = current.getAndSet(next);
        metrics.versionInUse(next.id().version());
        LOG.info("embedding with {}{}", next.id(), previous == null ? "" : " (was " + previous.id() + ")");
        if (previous != null) {
            previous.retire();
        }
        synchronized (firstArrival) {
            firstArrival.notifyAll();
        }
    }

    /** Blocks until a model is in place or the timeout passes; true when there is one. */
    public boolean awaitModel(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (firstArrival) {
            while (current.get() == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                firstArrival.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    @Override
    public void close() {
        ServingModel last = current.getAndSet(null);
        if (last != null) {
            last.retire();
        }
    }
}
