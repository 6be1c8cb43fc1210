package io.extrema.ops.cli;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The line a long-running command prints on standard output every {@value ConsoleSettings#STATUS_SECONDS} seconds,
 * saying what its part has done so far (the demo's: images sent, training step and loss, versions, embeddings).
 * Every command prints it through this class; closing it stops the lines, so a command adds it to the resources it
 * closes on Ctrl-C last, to stop it first.
 */
public final class StatusLine implements AutoCloseable {
    private final ScheduledExecutorService ticker;

    private StatusLine(ScheduledExecutorService ticker) {
        this.ticker = ticker;
    }

    /** Prints {@code line} every {@code status.interval.seconds} of the invocation's settings; none when it is 0. */
    public static StatusLine start(Invocation invocation, Supplier<String> line) {
        return start(invocation.out(), invocation.settings().getInt(ConsoleSettings.STATUS_SECONDS), line);
    }

    static StatusLine start(PrintStream out, int seconds, Supplier<String> line) {
        if (seconds == 0) return new StatusLine(null);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-line");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> out.println(safely(line)), seconds, seconds, TimeUnit.SECONDS);
        return new StatusLine(ticker);
    }

    /** A failing figure says so on its line; a thrown exception would cancel every later line. */
    private static String safely(Supplier<String> line) {
        try {
            return line.get();
        } catch (RuntimeException e) {
            return "status unavailable: " + e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (ticker == null) return;
        ticker.shutdownNow();
        ticker.awaitTermination(5, TimeUnit.SECONDS);
    }
}
