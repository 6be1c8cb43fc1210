package io.extrema.trainer.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.images.DecodedImage;
import io.extrema.trainer.offsets.RecordPosition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
    private static final TopicPartition TP = new TopicPartition("images", 0);

    private static ReplayItem item(long offset, String label, int side) {
        return new ReplayItem(
                new RecordPosition(TP, offset),
                "id-" + offset,
                label,
                new DecodedImage(side, side, new byte[side * side * 3]));
    }

    @Test
    void respectsCountAndByteBoundsAndReportsEveryDrop() throws Exception {
        List<ReplayItem> dropped = new ArrayList<>();
        long itemBytes = item(0, "a", 8).bytes();
        // Bytes allow 30 items, count allows 50: the byte bound is the binding one.
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 50, itemBytes * 30, 4.0, 1, new Random(1), dropped::add);
        for (int i = 0; i < 1000; i++) {
            buffer.offer(item(i, "a", 8));
            ReplayBuffer.Stats s = buffer.stats();
            assertTrue(s.size() <= 30 && s.bytes() <= itemBytes * 30, "bounds exceeded: " + s);
        }
        assertEquals(30, buffer.stats().size());
        assertEquals(1000 - 30, dropped.size(), "every image that left or never entered is reported");

        ReplayBuffer byCount =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 20, Long.MAX_VALUE, 4.0, 1, new Random(1), x -> {});
        for (int i = 0; i < 500; i++) {
            byCount.offer(item(i, "a", 8));
        }
        assertEquals(20, byCount.stats().size());
    }

    @Test
    void reservoirOnAClassSortedStreamDrawsBatchesThatMixClasses() throws Exception {
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 200, Long.MAX_VALUE, 1000.0, 16, new Random(7), x -> {});
        // 10 classes, 100 images each, all of class 0 first, then class 1, ...
        double distinctSum = 0;
        int batches = 0;
        for (int c = 0; c < 10; c++) {
            for (int i = 0; i < 100; i++) {
                buffer.offer(item(c * 100L + i, "class" + c, 4));
            }
            if (c >= 4) {
                for (int b = 0; b < 20; b++) {
                    assertTrue(buffer.awaitDrawable(16, 1, TimeUnit.SECONDS));
                    Set<String> labels = new HashSet<>();
                    buffer.draw(16).forEach(it -> labels.add(it.label()));
                    distinctSum += labels.size();
                    batches++;
                }
            }
        }
        // A stream-order batch would hold one class; a uniform sample of >= 5 classes gives about 4-6 per batch of 16.
        assertTrue(distinctSum / batches >= 3.5, "mean classes per batch " + distinctSum / batches);
        assertTrue(new HashSet<>(buffer.labels()).size() >= 8, "the buffer samples the whole stream");
    }

    @Test
    void replayFactorBoundsDrawsPerArrivingImage() throws Exception {
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 100, Long.MAX_VALUE, 2.0, 4, new Random(3), x -> {});
        for (int i = 0; i < 8; i++) {
            buffer.offer(item(i, "a", 4));
        }
        int drawn = 0;
        while (buffer.awaitDrawable(4, 10, TimeUnit.MILLISECONDS)) {
            drawn += buffer.draw(4).size();
        }
        assertEquals(16, drawn, "8 images x replay factor 2");
        assertTrue(buffer.stats().priorDrawsOfDrawn() > 0, "images were reused");
    }

    @Test
    void freshModeDrawsEachImageOnceInOrderAndHoldsBackInsteadOfDropping() throws Exception {
        List<ReplayItem> dropped = new ArrayList<>();
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.FRESH, 4, Long.MAX_VALUE, 1.0, 1, new Random(3), dropped::add);
        for (int i = 0; i < 4; i++) {
            buffer.offer(item(i, "a", 4));
        }
        Thread producer = new Thread(() -> {
            try {
                buffer.offer(item(4, "a", 4)); // blocks until the trainer draws
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        producer.join(200);
        assertTrue(producer.isAlive(), "a full fresh buffer holds the producer back");
        assertEquals(
                List.of(0L, 1L),
                buffer.draw(2).stream().map(it -> it.position().offset()).toList());
        producer.join(5000);
        assertFalse(producer.isAlive());
        assertEquals(
                List.of(2L, 3L, 4L),
                buffer.draw(3).stream().map(it -> it.position().offset()).toList());
        assertTrue(dropped.isEmpty());
        assertFalse(buffer.awaitDrawable(1, 10, TimeUnit.MILLISECONDS), "nothing is drawn twice");
    }

    @Test
    void minRedundancyEvictsNearDuplicates() throws Exception {
        List<ReplayItem> dropped = new ArrayList<>();
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.MIN_REDUNDANCY, 4, Long.MAX_VALUE, 100.0, 4, new Random(5), dropped::add);
        List<ReplayItem> items = List.of(item(0, "x", 4), item(1, "y", 4), item(2, "x-dup", 4), item(3, "z", 4));
        for (ReplayItem it : items) {
            buffer.offer(it);
        }
        float[][] emb = {unit(1, 0, 0), unit(0, 1, 0), unit(1, 0.05f, 0), unit(0, 0, 1)};
        buffer.updateEmbeddings(items, emb);
        buffer.offer(item(4, "w", 4));
        assertEquals(1, dropped.size());
        String victim = dropped.get(0).label();
        assertTrue(victim.equals("x") || victim.equals("x-dup"), "evicted " + victim);
        assertTrue(buffer.labels().contains("y")
                && buffer.labels().contains("z")
                && buffer.labels().contains("w"));
    }

    private static float[] unit(float... v) {
        double n = 0;
        for (float x : v) n += x * x;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / Math.sqrt(n));
        return out;
    }

    @Test
    void refillsBufferWithoutGrantingCreditAndARestoredCreditIsWhatAllowsDraws() throws Exception {
        List<ReplayItem> dropped = new ArrayList<>();
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 10, Long.MAX_VALUE, 4.0, 4, new Random(3), dropped::add);
        for (int i = 0; i < 12; i++) {
            assertEquals(i < 10, buffer.refill(item(i, "a", 4)), "refill " + i + " kept only while it fits");
        }
        assertEquals(10, buffer.stats().size());
        assertEquals(10, buffer.stats().refilled());
        assertEquals(0, buffer.stats().arrived(), "a refill is not an arrival");
        assertTrue(dropped.isEmpty(), "refills are not pending: nothing to settle");
        assertEquals(0.0, buffer.stats().credit());
        assertFalse(buffer.awaitDrawable(4, 10, TimeUnit.MILLISECONDS), "no credit, no draw");

        buffer.restoreCredit(8);
        assertTrue(buffer.awaitDrawable(4, 10, TimeUnit.MILLISECONDS));
        buffer.draw(4);
        buffer.draw(4);
        assertEquals(0.0, buffer.stats().credit());
        assertFalse(buffer.awaitDrawable(4, 10, TimeUnit.MILLISECONDS), "the restored credit is spent");
        buffer.offer(item(100, "a", 4));
        assertEquals(4.0, buffer.stats().credit(), "each arrival adds the replay factor");
    }

    @Test
    void freshPolicyRefillsNothing() {
        ReplayBuffer buffer = new ReplayBuffer(ReplayPolicy.FRESH, 10, Long.MAX_VALUE, 1.0, 1, new Random(3), x -> {});
        assertFalse(buffer.refill(item(0, "a", 4)), "fresh trains each image once: a reflected one never again");
        assertEquals(0, buffer.stats().size());
    }
}
