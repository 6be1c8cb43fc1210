package io.extrema.trainer.batch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.model.augment.ViewPair;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayItem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws batches from the replay buffer, augments them into the two views of every image and stages those as tensors
 * on the training device, ahead of the training thread: while step s runs, batch s+1 is staged and batch s+2 is
 * being augmented. The training thread only steps; creating the tensors (and on a GPU, the host-to-device upload)
 * happens on this feed's thread. Augmentation runs on its own small pool, never on the decode workers (a fresh-only
 * buffer can block those until the trainer draws, which would deadlock a shared pool).
 *
 * <p>Staging is double-buffered: at most {@value #DEVICE_BUFFERS} batches hold device memory, the one being stepped
 * on and the one staged next; a third is staged only when the first is closed. Every batch's tensors live in a
 * sub-manager of this feed's own {@link NDManager}. Closing is the consumer's: whoever takes a batch closes it, and
 * {@link #close()} closes the batches never taken, both on the thread that takes them; the feed's thread only creates.
 */
public final class BatchFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchFeed.class);

    /** Batches holding device memory at once: the one stepped on and the one staged for the next step. */
    public static final int DEVICE_BUFFERS = 2;

    /**
     * One training batch, staged on the device: the buffered images and their views. Closing it frees the tensors
     * and lets the feed stage the next batch.
     */
    public static final class Batch implements AutoCloseable {
        private final List<ReplayItem> items;
        private final NDManager tensors;
        private final NDArray online;
        private final NDArray target;
        private final Runnable released;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Batch(List<ReplayItem> items, NDManager tensors, NDArray online, NDArray target, Runnable released) {
            this.items = items;
            this.tensors = tensors;
            this.online = online;
            this.target = target;
            this.released = released;
        }

        public List<ReplayItem> items() {
            return items;
        }

        /** [B, 3, S, S] float32 on the training device, normalised: the online branch's view of every image. */
        public NDArray online() {
            return online;
        }

        /** [B, 3, S, S] float32 on the training device: the target's view (same crop, its own colour). */
        public NDArray target() {
            return target;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                tensors.close();
                released.run();
            }
        }
    }

    private final ReplayBuffer buffer;
    private final ViewAugmentation augmentation;
    private final int batchSize;
    private final int side;
    private final int chw;
    private final SplittableRandom seeds;
    private final BlockingQueue<Batch> ready = new ArrayBlockingQueue<>(DEVICE_BUFFERS);
    private final Semaphore deviceBuffers = new Semaphore(DEVICE_BUFFERS);
    private final NDManager staging;
    private final ExecutorService augmenters;
    private final int threads;
    private final Thread drawer;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /** @param device where the batches are staged: the training device */
    public BatchFeed(
            ReplayBuffer buffer, ViewAugmentation augmentation, int batchSize, int threads, Device device, long seed) {
        this.buffer = buffer;
        this.augmentation = augmentation;
        this.batchSize = batchSize;
        this.side = augmentation.config().imageSize();
        this.chw = 3 * side * side;
        this.seeds = new SplittableRandom(seed);
        this.threads = threads;
        this.staging = NDManager.newBaseManager(device);
        AtomicInteger n = new AtomicInteger();
        this.augmenters = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "extrema-augment-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.drawer = new Thread(this::drawLoop, "extrema-batches");
        this.drawer.setDaemon(true);
    }

    public void start() {
        drawer.start();
    }

    /** The next batch, or null when none is ready within the timeout; the caller closes it after its step. */
    public Batch take(long timeout, TimeUnit unit) throws InterruptedException {
        if (failure != null) {
            throw new IllegalStateException("batch feed failed", failure);
        }
        return ready.poll(timeout, unit);
    }

    private void drawLoop() {
        try {
            while (running) {
                if (!buffer.awaitDrawable(batchSize, 100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                List<ReplayItem> items = buffer.draw(batchSize);
                Views views = augment(items);
                while (running && !deviceBuffers.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    // both device buffers are in use: hold the augmented views
                }
                if (running) {
                    ready.put(stage(items, views)); // never blocks: a device buffer was free, so is a queue slot
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            log.error("batch feed stopped", t);
        }
    }

    /** The augmented views of a batch on the host, CHW floats, image after image. */
    private record Views(float[] online, float[] target) {}

    private Views augment(List<ReplayItem> items) throws Exception {
        float[] online = new float[items.size() * chw];
        float[] target = new float[items.size() * chw];
        int parts = Math.min(items.size(), threads);
        List<Future<?>> done = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int from = p * items.size() / parts;
            int to = (p + 1) * items.size() / parts;
            SplittableRandom rng = seeds.split(); // drawn here, on one thread: the sequence of seeds is reproducible
            done.add(augmenters.submit(() -> {
                for (int i = from; i < to; i++) {
                    ViewPair pair = augmentation.augment(items.get(i).image(), rng);
                    System.arraycopy(pair.online(), 0, online, i * chw, chw);
                    System.arraycopy(pair.target(), 0, target, i * chw, chw);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        return new Views(online, target);
    }

    /**
     * The views as tensors on the device, in a sub-manager of their own. Not closed here on failure: the feed's
     * manager, closed by {@link #close()}, holds whatever a failed staging left.
     */
    private Batch stage(List<ReplayItem> items, Views views) {
        NDManager tensors = staging.newSubManager();
        Shape shape = new Shape(items.size(), 3, side, side);
        return new Batch(
                items,
                tensors,
                tensors.create(views.online(), shape),
                tensors.create(views.target(), shape),
                deviceBuffers::release);
    }

    /** Stops the feed's thread, then frees the batches it staged that were never taken. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        drawer.interrupt();
        drawer.join(10_000);
        augmenters.shutdownNow();
        augmenters.awaitTermination(10, TimeUnit.SECONDS);
        if (drawer.isAlive()) {
            // Its tensors cannot be freed while it may still create some: leave them rather than race it.
            throw new IllegalStateException("the batch feed's thread did not stop within 10 s");
        }
        staging.close();
    }
}
