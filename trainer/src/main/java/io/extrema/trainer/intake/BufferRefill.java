package io.extrema.trainer.intake;

import io.extrema.trainer.offsets.PartitionPosition;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Which already-reflected records a restarted trainer reads again, so its replay buffer starts full.
 *
 * <p>The buffer is rebuilt from the retained images topic rather than stored with the checkpoint: its images are
 * still there, reading a buffer's worth back costs seconds, and a checkpoint stays the size of the model instead of
 * growing by hundreds of megabytes of pixels. At its first assignment each restored partition is read from
 * {@code capacity / partitions} records before the checkpoint's {@code next}; every record the checkpoint reflects
 * (below {@code next}, or settled above it) is offered to the buffer once, as a refill: it is not pending and moves no
 * offset. What the topic no longer retains is simply not refilled. The buffer is then the stream's most recent
 * reflected images, not the uniform sample of the whole stream it was; new arrivals make it one again.
 *
 * <p>Confined to the intake's consumer thread, where rebalance callbacks run too.
 */
final class BufferRefill {
    private final int capacity;
    // Per restored partition: one past the highest offset the checkpoint had read; from there on records are new.
    private final Map<TopicPartition, Long> end = new HashMap<>();
    // Per partition being refilled: the lowest offset not offered yet, so no record is offered twice.
    private final Map<TopicPartition, Long> cursor = new HashMap<>();

    /** Refills up to {@code capacity} images from the partitions of {@code restored}; 0 refills nothing. */
    BufferRefill(Map<TopicPartition, PartitionPosition> restored, int capacity) {
        this.capacity = capacity;
        restored.forEach((tp, p) -> end.put(tp, p.highestSeen() + 1));
    }

    /**
     * Where to read a restored partition from at its first assignment (out-of-range offsets reset to the earliest
     * retained); later assignments resume at {@code next}, since the buffer still holds what was read.
     */
    long startOffset(TopicPartition tp, long next, int partitionsAssigned) {
        if (capacity == 0 || !end.containsKey(tp) || cursor.containsKey(tp)) {
            return next;
        }
        long back = (capacity + partitionsAssigned - 1) / partitionsAssigned;
        long start = Math.max(0, next - back);
        cursor.put(tp, start);
        return start;
    }

    /** Whether a reflected record just read is to be offered to the buffer; true at most once per offset. */
    boolean take(TopicPartition tp, long offset) {
        Long from = cursor.get(tp);
        if (from == null || offset < from || offset >= end.get(tp)) {
            return false;
        }
        cursor.put(tp, offset + 1);
        return true;
    }
}
