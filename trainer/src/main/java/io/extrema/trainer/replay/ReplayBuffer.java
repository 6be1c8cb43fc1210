package io.extrema.trainer.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The images training batches are drawn from, bounded by count and by bytes.
 *
 * <p>A live stream is not an epoch: it may be slower than the trainer (so an image is worth training on more than
 * once) and temporally correlated (a camera, or a class-sorted dump), so batches are drawn at random from a buffer
 * that is a sample of the stream rather than from the stream itself. The replay factor bounds reuse: at most
 * {@code factor} images are drawn per image that arrived, after which the trainer waits for the stream.
 *
 * <p>Every image that leaves the buffer without the trainer having to account for it (a rejected arrival, an
 * eviction) is reported to {@code onDrop}, so offsets can be settled. Thread-safe: decode workers offer, the training
 * thread draws.
 */
public final class ReplayBuffer {

    /**
     * Counters since start, for metrics, read together.
     *
     * @param credit images that may still be drawn before the trainer must wait for new arrivals
     */
    public record Stats(
            int size,
            int capacity,
            long bytes,
            long capacityBytes,
            long arrived,
            long dropped,
            long drawn,
            long priorDrawsOfDrawn,
            long refilled,
            double credit) {}

    private final ReplayPolicy policy;
    private final int capacity;
    private final long capacityBytes;
    private final double replayFactor;
    private final int minFill;
    private final Random random;
    private final Consumer<ReplayItem> onDrop;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayList<ReplayItem> items = new ArrayList<>();
    private long bytes;
    private long arrived;
    private long dropped;
    private long drawn;
    private long priorDrawsOfDrawn;
    private long refilled;
    // Draws a restored checkpoint had left: a restart neither grants nor takes away replay.
    private double restoredCredit;

    public ReplayBuffer(
            ReplayPolicy policy,
            int capacity,
            long capacityBytes,
            double replayFactor,
            int minFill,
            Random random,
            Consumer<ReplayItem> onDrop) {
        if (capacity < 1 || capacityBytes < 1 || replayFactor < 1.0) {
            throw new IllegalArgumentException("capacity, bytes must be positive and replay factor >= 1");
        }
        this.policy = policy;
        this.capacity = capacity;
        this.capacityBytes = capacityBytes;
        this.replayFactor = policy == ReplayPolicy.FRESH ? 1.0 : replayFactor;
        this.minFill = Math.min(minFill, capacity);
        this.random = random;
        this.onDrop = onDrop;
    }

    /**
     * Adds an arriving image, or drops it or an older one as the policy says. With {@link ReplayPolicy#FRESH} a full
     * buffer blocks the caller until the trainer has drawn, so nothing is dropped and the consumer is held back.
     *
     * @return whether the item was buffered
     */
    public boolean offer(ReplayItem item) throws InterruptedException {
        long need = item.bytes();
        lock.lockInterruptibly();
        try {
            if (need > capacityBytes) {
                return drop(item);
            }
            if (policy == ReplayPolicy.FRESH) {
                while (!fits(need)) {
                    changed.await();
                }
                arrived++;
                add(item);
                return true;
            }
            arrived++;
            if (fits(need)) {
                add(item);
                return true;
            }
            if (policy == ReplayPolicy.MIN_REDUNDANCY && evictRedundantUntilFits(need)) {
                add(item);
                return true;
            }
            // Reservoir (Vitter's algorithm R): the n-th arrival replaces a random resident with probability k/n,
            // so the buffer stays a uniform sample of the whole stream.
            if (random.nextDouble() * arrived >= items.size()) {
                return drop(item);
            }
            while (!fits(need)) {
                drop(removeAt(random.nextInt(items.size())));
            }
            add(item);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds an image a restored checkpoint already reflects, read again so a restarted trainer does not start empty.
     * It is not an arrival (it grants no replay credit and takes no part in the reservoir's count); it is kept if it
     * fits and ignored otherwise (it is not pending, so nothing needs settling). With {@link ReplayPolicy#FRESH},
     * which trains every image once, nothing is refilled.
     *
     * @return whether the item was buffered
     */
    public boolean refill(ReplayItem item) {
        lock.lock();
        try {
            if (policy == ReplayPolicy.FRESH || !fits(item.bytes())) {
                return false;
            }
            refilled++;
            add(item);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Continues with the replay credit a checkpoint recorded ({@link Stats#credit()}). */
    public void restoreCredit(double credit) {
        lock.lock();
        try {
            restoredCredit = Math.max(0, credit);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until a batch of {@code n} may be drawn (enough images, replay credit left) or the timeout passes. */
    public boolean awaitDrawable(int n, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (!drawable(n)) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Draws {@code n} distinct images: the oldest for {@link ReplayPolicy#FRESH} (removed), else uniformly at random
     * (kept, so they may be drawn again). Call after {@link #awaitDrawable} returned true.
     */
    public List<ReplayItem> draw(int n) {
        lock.lock();
        try {
            if (!drawable(n)) {
                throw new IllegalStateException("no batch of " + n + " available: " + items.size() + " buffered");
            }
            List<ReplayItem> batch = new ArrayList<>(n);
            if (policy == ReplayPolicy.FRESH) {
                List<ReplayItem> head = items.subList(0, n);
                batch.addAll(head);
                head.clear();
                for (int i = 0; i < items.size(); i++) {
                    items.get(i).slot = i;
                }
                batch.forEach(it -> {
                    bytes -= it.bytes();
                    it.slot = -1;
                });
            } else {
                // Partial Fisher-Yates over slot indices: n distinct slots, uniformly.
                int size = items.size();
                int[] idx = new int[size];
                for (int i = 0; i < size; i++) {
                    idx[i] = i;
                }
                for (int i = 0; i < n; i++) {
                    int j = i + random.nextInt(size - i);
                    int t = idx[i];
                    idx[i] = idx[j];
                    idx[j] = t;
                    batch.add(items.get(idx[i]));
                }
            }
            for (ReplayItem it : batch) {
                priorDrawsOfDrawn += it.draws;
                it.draws++;
            }
            drawn += n;
            changed.signalAll();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records the target embeddings of drawn images (L2-normalised rows, as the model computed them for the step)
     * and refreshes the nearest-neighbour similarities the minimum-redundancy policy evicts by. Items that left the
     * buffer meanwhile are skipped.
     */
    public void updateEmbeddings(List<ReplayItem> batch, float[][] normalised) {
        if (policy != ReplayPolicy.MIN_REDUNDANCY) {
            return;
        }
        lock.lock();
        try {
            for (int b = 0; b < batch.size(); b++) {
                ReplayItem item = batch.get(b);
                if (item.slot < 0) {
                    continue;
                }
                item.embedding = normalised[b];
                float nearest = Float.NEGATIVE_INFINITY;
                for (ReplayItem other : items) {
                    if (other == item || other.embedding == null) {
                        continue;
                    }
                    float sim = dot(item.embedding, other.embedding);
                    nearest = Math.max(nearest, sim);
                    // Stored similarities stay upper bounds: raised here, verified lazily at eviction.
                    other.nearestSimilarity = Math.max(other.nearestSimilarity, sim);
                }
                item.nearestSimilarity = nearest;
            }
        } finally {
            lock.unlock();
        }
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(
                    items.size(),
                    capacity,
                    bytes,
                    capacityBytes,
                    arrived,
                    dropped,
                    drawn,
                    priorDrawsOfDrawn,
                    refilled,
                    replayFactor * arrived + restoredCredit - drawn);
        } finally {
            lock.unlock();
        }
    }

    /** Labels of the buffered images (tests and dashboards). */
    public List<String> labels() {
        lock.lock();
        try {
            return items.stream().map(ReplayItem::label).toList();
        } finally {
            lock.unlock();
        }
    }

    private boolean drawable(int n) {
        if (policy == ReplayPolicy.FRESH) {
            return items.size() >= n;
        }
        return items.size() >= Math.max(n, minFill) && drawn + n <= replayFactor * arrived + restoredCredit;
    }

    private boolean fits(long need) {
        return items.size() < capacity && bytes + need <= capacityBytes;
    }

    private void add(ReplayItem item) {
        item.slot = items.size();
        items.add(item);
        bytes += item.bytes();
        changed.signalAll();
    }

    private ReplayItem removeAt(int slot) {
        ReplayItem removed = items.get(slot);
        ReplayItem last = items.remove(items.size() - 1);
        if (last != removed) {
            items.set(slot, last);
            last.slot = slot;
        }
        removed.slot = -1;
        bytes -= removed.bytes();
        return removed;
    }

    private boolean drop(ReplayItem item) {
        dropped++;
        onDrop.accept(item);
        return false;
    }

    /** Evicts most-redundant images until {@code need} fits; false when too few images have embeddings yet. */
    private boolean evictRedundantUntilFits(long need) {
        while (!fits(need)) {
            ReplayItem victim = mostRedundant();
            if (victim == null) {
                return false;
            }
            drop(removeAt(victim.slot));
        }
        return true;
    }

    /**
     * The embedded image with the most similar neighbour. Stored similarities are upper bounds, so candidates are
     * verified best-first and the search stops once no stored bound can beat the best verified value.
     */
    private ReplayItem mostRedundant() {
        List<ReplayItem> embedded = new ArrayList<>();
        for (ReplayItem it : items) {
            if (it.embedding != null) {
                embedded.add(it);
            }
        }
        if (embedded.size() < 2) {
            return null;
        }
        embedded.sort(Comparator.comparingDouble((ReplayItem it) -> it.nearestSimilarity)
                .reversed());
        ReplayItem best = null;
        float bestSim = Float.NEGATIVE_INFINITY;
        for (ReplayItem candidate : embedded) {
            if (candidate.nearestSimilarity <= bestSim) {
                break;
            }
            float exact = Float.NEGATIVE_INFINITY;
            for (ReplayItem other : embedded) {
                if (other != candidate) {
                    exact = Math.max(exact, dot(candidate.embedding, other.embedding));
                }
            }
            candidate.nearestSimilarity = exact;
            if (exact > bestSim) {
                bestSim = exact;
                best = candidate;
            }
        }
        return best;
    }

    private static float dot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
