package io.extrema.trainer.offsets;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records read from the images topic are reflected in the trainer's state, per partition.
 *
 * <p>A record is <em>pending</em> from the moment it is read until it is <em>settled</em>: trained in a finished
 * step, dead-lettered (acknowledged by the broker), or dropped by the replay policy. The trainer checkpoints a
 * {@link #snapshot()} between steps, so a checkpoint holds exactly the records its weights reflect; Kafka's committed
 * offset is only ever {@link PartitionPosition#next()} of a checkpoint. After a restart the ledger is restored from
 * the checkpoint: the consumer seeks to {@code next}, and records already reflected (settled above {@code next})
 * are skipped by {@link #shouldProcess}, so nothing is lost and nothing reflected is trained twice.
 *
 * <p>Thread-safe: the intake thread reads, workers and the training thread settle.
 */
public final class OffsetLedger {

    private static final class Partition {
        long highestSeen = -1;
        final TreeSet<Long> pending = new TreeSet<>();
        // Pending offsets restored from a checkpoint and not read again yet.
        final TreeSet<Long> expected = new TreeSet<>();
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();
    private long skipped;

    /** Starts from a checkpoint's positions. */
    public synchronized void restore(Map<TopicPartition, PartitionPosition> positions) {
        partitions.clear();
        positions.forEach((tp, pos) -> {
            Partition p = new Partition();
            p.highestSeen = pos.highestSeen();
            for (long o : pos.pending()) {
                p.pending.add(o);
                p.expected.add(o);
            }
            partitions.put(tp, p);
        });
    }

    /**
     * Called for every record read, in partition order. Returns false for a record a restored checkpoint already
     * reflects (skip it); otherwise registers it as pending and returns true.
     */
    public synchronized boolean shouldProcess(TopicPartition tp, long offset) {
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition());
        // Restored pending offsets below this one were not returned: retention or compaction removed them.
        while (!p.expected.isEmpty() && p.expected.first() < offset) {
            p.pending.remove(p.expected.pollFirst());
        }
        if (offset <= p.highestSeen && !p.expected.remove(offset)) {
            skipped++;
            return false;
        }
        p.pending.add(offset);
        p.highestSeen = Math.max(p.highestSeen, offset);
        return true;
    }

    /** The record is reflected (trained, dead-lettered or dropped by policy). Idempotent. */
    public synchronized void settle(RecordPosition position) {
        Partition p = partitions.get(position.partition());
        if (p != null) {
            p.pending.remove(position.offset());
        }
    }

    /** Positions of every partition read so far; taken between steps, they are what a checkpoint reflects. */
    public synchronized Map<TopicPartition, PartitionPosition> snapshot() {
        Map<TopicPartition, PartitionPosition> out = new HashMap<>();
        partitions.forEach((tp, p) -> {
            if (p.highestSeen >= 0) {
                long next = p.pending.isEmpty() ? p.highestSeen + 1 : p.pending.first();
                out.put(
                        tp,
                        new PartitionPosition(
                                next,
                                p.highestSeen,
                                p.pending.stream().mapToLong(Long::longValue).toArray()));
            }
        });
        return out;
    }

    /** Records read but not yet reflected. */
    public synchronized int pendingCount() {
        return partitions.values().stream().mapToInt(p -> p.pending.size()).sum();
    }

    /** Records read again after a restart and skipped because the checkpoint reflects them. */
    public synchronized long skippedCount() {
        return skipped;
    }
}
