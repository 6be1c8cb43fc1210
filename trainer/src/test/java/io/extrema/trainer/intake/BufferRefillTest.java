package io.extrema.trainer.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.trainer.offsets.PartitionPosition;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BufferRefillTest {
    private static final TopicPartition P0 = new TopicPartition("images", 0);
    private static final TopicPartition P1 = new TopicPartition("images", 1);
    private static final TopicPartition NEW = new TopicPartition("images", 2);

    @Test
    void readsEachRestoredPartitionBackByItsShareOfTheCapacityOnceAndOffersEachReflectedRecordOnce() {
        // P0: reflected below 100 and 100..119 but 105 (pending); P1: only 30 records, all reflected.
        BufferRefill refill = new BufferRefill(
                Map.of(
                        P0, new PartitionPosition(100, 119, new long[] {105}),
                        P1, new PartitionPosition(30, 29, new long[0])),
                101);

        assertEquals(100 - 51, refill.startOffset(P0, 100, 2), "ceil(101 / 2) records back");
        assertEquals(0, refill.startOffset(P1, 30, 2), "never before the first offset");
        assertEquals(7, refill.startOffset(NEW, 7, 2), "a partition the checkpoint never read is not refilled");
        assertEquals(100, refill.startOffset(P0, 100, 2), "a later assignment resumes at next: the buffer has them");

        assertFalse(refill.take(P0, 48), "below the start");
        assertTrue(refill.take(P0, 49));
        assertFalse(refill.take(P0, 49), "an offset is offered once, even if read again after a rebalance");
        assertTrue(refill.take(P0, 119), "reflected above next");
        assertFalse(refill.take(P0, 120), "above what the checkpoint read: a new record, not a refill");
        assertFalse(refill.take(NEW, 3));
    }

    @Test
    void capacityZeroRefillsNothing() {
        BufferRefill refill = new BufferRefill(Map.of(P0, new PartitionPosition(100, 99, new long[0])), 0);
        assertEquals(100, refill.startOffset(P0, 100, 1));
        assertFalse(refill.take(P0, 99));
    }
}
