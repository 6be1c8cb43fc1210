package io.extrema.ingest;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one ingest run, updated from the sending thread and the producer's callbacks. */
public final class IngestStats {
    private final long startNanos = System.nanoTime();
    private final LongAdder sent = new LongAdder();
    private final LongAdder sentBytes = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder offered = new LongAdder();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    void offer() {
        offered.increment();
    }

    void sent(long bytes) {
        sent.increment();
        sentBytes.add(bytes);
    }

    void refused(String reason) {
        refused.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    void failed(Exception e) {
        failed.increment();
        firstFailure.compareAndSet(null, e);
    }

    /** Images read from the source so far (sent, refused, failed or in flight). */
    public long offered() {
        return offered.sum();
    }

    /** Images acknowledged by the broker. */
    public long sent() {
        return sent.sum();
    }

    public long sentBytes() {
        return sentBytes.sum();
    }

    /** Images whose send failed (broker unavailable, timeout): not on the topic. */
    public long failed() {
        return failed.sum();
    }

    public long refusedTotal() {
        return refused.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Refusals by reason name ({@link io.extrema.images.RejectReason}), sorted. */
    public Map<String, Long> refusedByReason() {
        Map<String, Long> out = new TreeMap<>();
        refused.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public Exception firstFailure() {
        return firstFailure.get();
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The run's outcome, one line each: sent (with sizes and rates), refused (by reason), failed if any. */
    public String summary() {
        double s = Math.max(elapsedSeconds(), 1e-9);
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "Sent %d images, %.1f MB in %.1f s (%.0f images/s, %.2f MB/s)%n",
                sent(),
                sentBytes() / 1e6,
                s,
                sent() / s,
                sentBytes() / 1e6 / s));
        b.append("Refused ").append(refusedTotal());
        if (!refused.isEmpty()) b.append(' ').append(refusedByReason());
        b.append(String.format("%n"));
        if (failed() > 0) {
            b.append("Failed ")
                    .append(failed())
                    .append(" (not acknowledged by Kafka: ")
                    .append(firstFailure() == null ? "?" : firstFailure().getMessage())
                    .append(")")
                    .append(String.format("%n"));
        }
        return b.toString();
    }
}
