package io.extrema.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import io.extrema.images.DecodedImage;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.model.augment.ViewPair;
import io.extrema.trainer.offsets.RecordPosition;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayItem;
import io.extrema.trainer.replay.ReplayPolicy;
import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchFeedTest {
    private static final int BATCH = 4;
    private static final long SEED = 11;
    private static final ViewAugmentation AUGMENTATION =
            new ViewAugmentation(AugmentationConfig.of(ExtremaConfig.preset("cifar-tiny")));

    @Test
    void stagesTheSeededViewsAsTensorsOnTheDevice() throws Exception {
        try (BatchFeed feed = feed(1)) {
            feed.start();
            try (BatchFeed.Batch batch = feed.take(10, TimeUnit.SECONDS)) {
                assertNotNull(batch);
                int side = AUGMENTATION.config().imageSize();
                assertEquals(new Shape(BATCH, 3, side, side), batch.online().getShape());
                assertEquals(Device.cpu(), batch.online().getDevice());
                // One augmenting thread: the first batch's views come from the feed seed's first split, in order.
                SplittableRandom rng = new SplittableRandom(SEED).split();
                float[] online = new float[0];
                float[] target = new float[0];
                for (ReplayItem item : batch.items()) {
                    ViewPair pair = AUGMENTATION.augment(item.image(), rng);
                    online = concat(online, pair.online());
                    target = concat(target, pair.target());
                }
                assertArrayEquals(online, batch.online().toFloatArray());
                assertArrayEquals(target, batch.target().toFloatArray());
            }
        }
    }

    @Test
    void holdsAtMostTwoBatchesOnTheDeviceAndFreesTheUntakenOnClose() throws Exception {
        BatchFeed.Batch stepped;
        BatchFeed.Batch staged;
        try (BatchFeed feed = feed(2)) {
            feed.start();
            stepped = feed.take(10, TimeUnit.SECONDS);
            staged = feed.take(10, TimeUnit.SECONDS);
            assertNotNull(stepped);
            assertNotNull(staged);
            assertNull(feed.take(500, TimeUnit.MILLISECONDS), "a third batch staged while two are held");
            stepped.close();
            BatchFeed.Batch next = feed.take(10, TimeUnit.SECONDS);
            assertNotNull(next, "closing a batch frees a device buffer for the next");
            assertTrue(stepped.online().isReleased());
        }
        // The feed's manager owns what its taker did not close.
        assertTrue(staged.online().isReleased() && staged.target().isReleased());
    }

    private static BatchFeed feed(int threads) throws InterruptedException {
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 64, Long.MAX_VALUE, 1000.0, BATCH, new Random(3), x -> {});
        Random pixels = new Random(5);
        TopicPartition tp = new TopicPartition("images", 0);
        for (int i = 0; i < 16; i++) {
            byte[] rgb = new byte[36 * 36 * 3];
            pixels.nextBytes(rgb);
            buffer.offer(new ReplayItem(new RecordPosition(tp, i), "id-" + i, "a", new DecodedImage(36, 36, rgb)));
        }
        return new BatchFeed(buffer, AUGMENTATION, BATCH, threads, Device.cpu(), SEED);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
