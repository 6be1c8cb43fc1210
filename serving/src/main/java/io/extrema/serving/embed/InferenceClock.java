package io.extrema.serving.embed;

/**
 * Time the current stream thread has spent embedding, across all its tasks. A task's images waiting while the
 * thread embeds another task's batch could not have been embedded sooner anyway, so that time does not count
 * toward their linger: under a backlog batches fill up instead of running one image at a time.
 */
final class InferenceClock {
    private static final ThreadLocal<long[]> BUSY_NANOS = ThreadLocal.withInitial(() -> new long[1]);

    static long busyNanos() {
        return BUSY_NANOS.get()[0];
    }

    static void add(long nanos) {
        BUSY_NANOS.get()[0] += nanos;
    }

    private InferenceClock() {}
}
