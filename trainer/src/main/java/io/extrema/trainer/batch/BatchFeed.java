package io.extrema.trainer.batch;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws batches from the replay buffer and augments them into the two views of every image, ahead of the training
 * thread: while step s runs, batch s+1 is being made. Augmentation runs on its own small pool, never on the decode
 * workers (a fresh-only buffer can block those until the trainer draws, which would deadlock a shared pool).
 */
public final class BatchFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchFeed.class);

    /**
     * One training batch: the buffered images and their views, CHW floats, image after image.
     *
     * @param online [B, 3, S, S] flattened
     * @param target [B, 3, S, S] flattened
     */
    public record Batch(List<ReplayItem> items, float[] online, float[] target) {}

    private final ReplayBuffer buffer;
    private final ViewAugmentation augmentation;
    private final int batchSize;
    private final int chw;
    private final SplittableRandom seeds;
    private final BlockingQueue<Batch> ready;
    private final ExecutorService augmenters;
    private final int threads;
    private final Thread drawer;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public BatchFeed(
            ReplayBuffer buffer, ViewAugmentation augmentation, int batchSize, int threads, int prefetch, long seed) {
        this.buffer = buffer;
        this.augmentation = augmentation;
        this.batchSize = batchSize;
        int size = augmentation.config().imageSize();
        this.chw = 3 * size * size;
        this.seeds = new SplittableRandom(seed);
        this.ready = new ArrayBlockingQueue<>(prefetch);
        this.threads = threads;
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

    /** The next batch, or null when none is ready within the timeout. */
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
                Batch batch = augment(items);
                while (running && !ready.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                    // the trainer is busy: hold the batch
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            log.error("batch feed stopped", t);
        }
    }

    private Batch augment(List<ReplayItem> items) throws Exception {
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
        return new Batch(items, online, target);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        drawer.interrupt();
        drawer.join(10_000);
        augmenters.shutdownNow();
        augmenters.awaitTermination(10, TimeUnit.SECONDS);
    }
}
