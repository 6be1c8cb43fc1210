package io.extrema.ingest;

import java.io.PrintStream;

/** A one-line progress bar on a terminal stream: count, rate, and ETA when the total is known. Silent when quiet. */
public final class Progress {
    private static final long INTERVAL_NANOS = 250_000_000L;

    private final PrintStream out;
    private final boolean quiet;
    private final long total; // -1 when unknown
    private final IngestStats stats;
    private long lastNanos;

    public Progress(PrintStream out, boolean quiet, long total, IngestStats stats) {
        this.out = out;
        this.quiet = quiet;
        this.total = total;
        this.stats = stats;
    }

    /** Redraws at most four times a second. */
    public void update() {
        if (quiet) return;
        long now = System.nanoTime();
        if (now - lastNanos < INTERVAL_NANOS) return;
        lastNanos = now;
        out.print("\r" + line());
        out.flush();
    }

    public void finish() {
        if (quiet) return;
        out.println("\r" + line());
    }

    String line() {
        long done = stats.offered();
        double s = Math.max(stats.elapsedSeconds(), 1e-9);
        double rate = done / s;
        String counts = String.format(
                "%d sent, %d refused, %.0f images/s, %.2f MB/s",
                stats.sent(), stats.refusedTotal(), rate, stats.sentBytes() / 1e6 / s);
        if (total <= 0) return done + " read, " + counts;
        double fraction = Math.min(1.0, (double) done / total);
        int filled = (int) (fraction * 30);
        long eta = rate > 0 ? (long) ((total - done) / rate) : -1;
        return String.format(
                "[%s%s] %d/%d %3.0f%% %s ETA %s",
                "#".repeat(filled),
                ".".repeat(30 - filled),
                done,
                total,
                fraction * 100,
                counts,
                eta < 0 ? "?" : String.format("%d:%02d", eta / 60, eta % 60));
    }
}
