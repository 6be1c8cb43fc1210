package io.extrema.trainer.offsets;

import java.util.Arrays;

/**
 * How far one partition is reflected in a checkpoint.
 *
 * @param next        the first offset not reflected: the consumer resumes here and Kafka's committed offset is this
 * @param highestSeen the highest offset read so far
 * @param pending     offsets in {@code [next, highestSeen]} that were read but are not reflected (still waiting in
 *                    the replay buffer or the decode queue); every other offset in that range is reflected and is
 *                    skipped when it is read again after a restart
 */
public record PartitionPosition(long next, long highestSeen, long[] pending) {
    public PartitionPosition {
        pending = pending.clone();
        Arrays.sort(pending);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PartitionPosition p
                && p.next == next
                && p.highestSeen == highestSeen
                && Arrays.equals(p.pending, pending);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(next) * 31 + Arrays.hashCode(pending);
    }

    @Override
    public String toString() {
        return "PartitionPosition[next=" + next + ", highestSeen=" + highestSeen + ", pending=" + pending.length + "]";
    }
}
