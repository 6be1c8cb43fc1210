package io.extrema.trainer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {
    private static final TopicPartition TP = new TopicPartition("images", 0);

    @Test
    void nextIsTheFirstUnsettledOffsetAndSettledOnesAboveItAreSkippedAfterRestore() {
        OffsetLedger ledger = new OffsetLedger();
        for (long o = 0; o < 10; o++) {
            assertTrue(ledger.shouldProcess(TP, o));
        }
        for (long o : new long[] {0, 1, 2, 4, 5, 7, 9}) {
            ledger.settle(new RecordPosition(TP, o));
        }
        PartitionPosition p = ledger.snapshot().get(TP);
        assertEquals(3, p.next());
        assertEquals(9, p.highestSeen());
        assertArrayEquals(new long[] {3, 6, 8}, p.pending());

        // Restart: the consumer seeks to 3 and reads 3..11 again.
        OffsetLedger restored = new OffsetLedger();
        restored.restore(Map.of(TP, p));
        List<Long> processed = new ArrayList<>();
        for (long o = 3; o < 12; o++) {
            if (restored.shouldProcess(TP, o)) {
                processed.add(o);
            }
        }
        assertEquals(List.of(3L, 6L, 8L, 10L, 11L), processed, "exactly the records the checkpoint does not reflect");
        assertEquals(4, restored.skippedCount());
        // Until the restored pending ones settle, the next offset stays at 3.
        assertEquals(3, restored.snapshot().get(TP).next());
        processed.forEach(o -> restored.settle(new RecordPosition(TP, o)));
        assertEquals(12, restored.snapshot().get(TP).next());
    }

    @Test
    void restoredPendingOffsetsThatNoLongerExistDoNotHoldBackTheNextOffset() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.restore(Map.of(TP, new PartitionPosition(5, 9, new long[] {5, 7})));
        // Retention removed 5..8: the first record read is 9 (reflected), then 10.
        assertFalse(ledger.shouldProcess(TP, 9));
        assertTrue(ledger.shouldProcess(TP, 10));
        assertEquals(10, ledger.snapshot().get(TP).next());
    }
}
