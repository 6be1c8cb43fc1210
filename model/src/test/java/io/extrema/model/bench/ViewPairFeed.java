package io.extrema.model.bench;

import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.model.augment.ViewPair;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Worker threads that decode and augment training images into a bounded queue, so the training thread never
 * waits on JPEG decoding. Each worker walks its own seeded shuffles of the images, endlessly (a stream has no
 * epochs). The queue's bound keeps the workers from running ahead while the trainer evaluates.
 */
final class ViewPairFeed implements AutoCloseable {

    /**
     * A view pair and the position of its image in the feed's list: the supervised reference looks its label up by
     * it; the ExtreMA run never does.
     */
    record Fed(int image, ViewPair pair) {

        /** One view of every pair, CHW after CHW: the flat [B, 3, H, W] a step reads. */
        static float[] stacked(List<Fed> batch, Function<ViewPair, float[]> view) {
            int chw = view.apply(batch.get(0).pair()).length;
            float[] out = new float[batch.size() * chw];
            for (int i = 0; i < batch.size(); i++) {
                System.arraycopy(view.apply(batch.get(i).pair()), 0, out, i * chw, chw);
            }
            return out;
        }
    }

    private final BlockingQueue<Fed> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicLong rejected = new AtomicLong();
    private volatile Throwable failure;

    ViewPairFeed(UnlabelledImages images, ViewAugmentation augmentation, int workerCount, int capacity, long seed) {
        queue = new ArrayBlockingQueue<>(capacity);
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int w = 0; w < workerCount; w++) {
            SplittableRandom rng = seeds.split();
            Thread t = new Thread(() -> work(images.jpegs(), augmentation, rng), "augment-" + w);
            t.setDaemon(true);
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    private void work(List<byte[]> jpegs, ViewAugmentation augmentation, SplittableRandom rng) {
        int[] order = new int[jpegs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = order.length - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int idx : order) {
                    try {
                        queue.put(new Fed(
                                idx,
                                augmentation.augment(
                                        ImageDecoder.decode(jpegs.get(idx), ImageLimits.defaults()), rng)));
                    } catch (ImageRejectedException e) {
                        rejected.incrementAndGet(); // a bad image is skipped and counted, the feed goes on
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    /** The next {@code n} view pairs, blocking until the workers have made them. */
    List<Fed> take(int n) throws InterruptedException {
        List<Fed> batch = new ArrayList<>(n);
        while (batch.size() < n) {
            if (failure != null) throw new IllegalStateException("augmentation worker failed", failure);
            Fed p = queue.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            if (p != null) batch.add(p);
        }
        return batch;
    }

    /** Images that could not be decoded so far. */
    long rejected() {
        return rejected.get();
    }

    @Override
    public void close() throws InterruptedException {
        workers.forEach(Thread::interrupt);
        for (Thread t : workers) t.join();
    }
}
