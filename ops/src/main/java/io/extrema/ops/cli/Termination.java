package io.extrema.ops.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a long-running command ends: Ctrl-C or SIGTERM runs a shutdown hook that closes the command's resources in
 * reverse order of opening (as the Kafka Streams examples do), while the main thread waits.
 *
 * <p>The hook is in place before the first resource opens, so a signal that comes while the command is still
 * starting closes what has started too: it lets the start in progress finish (up to {@link #STARTING_GRACE}, so
 * the part being started is not left half-open), then the main thread starts nothing more and everything owned is
 * closed. Without that, a stop during start-up left the local stack and a training trainer to the orphan guards:
 * no checkpoint, no graceful broker stop.
 */
public final class Termination {

    /**
     * How long a signal waits for the start in progress (loading a network, Kafka Streams' first assignment)
     * before it interrupts it and closes what is owned.
     */
    public static final Duration STARTING_GRACE = Duration.ofSeconds(90);

    /** What starts a command's resources, handing each to {@link Termination#own} as it opens. */
    @FunctionalInterface
    public interface Start {
        void run(Termination termination) throws Exception;
    }

    /** Thrown by {@link #own} once the signal came: the start stops there and the hook closes what it owns. */
    static final class SignalledWhileStarting extends RuntimeException {
        SignalledWhileStarting() {
            super("stopped while starting", null, false, false);
        }
    }

    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Thread starter = Thread.currentThread();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean signalled;
    private final Duration startingGrace;
    private final Thread hook = new Thread(this::onSignal, "extrema-shutdown");

    private Termination(Duration startingGrace) {
        this.startingGrace = startingGrace;
    }

    /**
     * Runs {@code start} with the hook already in place, then blocks until the JVM is asked to stop and everything
     * {@code start} owned is closed. If {@code start} fails, what it owned is closed at once and the failure rethrown.
     */
    public static void runUntilSignal(Start start) throws Exception {
        runUntilSignal(STARTING_GRACE, start);
    }

    /**
     * {@link #runUntilSignal(Start)} for a start that may wait without bound (serving waiting for its first
     * model): a signal interrupts it after {@code startingGrace}, zero for at once. Only a start whose parts are
     * owned before they start (and close from any state) should be interrupted early.
     */
    public static void runUntilSignal(Duration startingGrace, Start start) throws Exception {
        Termination termination = new Termination(startingGrace);
        Runtime.getRuntime().addShutdownHook(termination.hook);
        try {
            start.run(termination);
        } catch (SignalledWhileStarting e) {
            // the hook closes what was owned
        } catch (InterruptedException e) {
            if (!termination.signalled) {
                termination.closeAfterFailedStart();
                throw e;
            }
            // the hook interrupted the start: it closes what was owned
        } catch (Exception | Error e) {
            termination.closeAfterFailedStart();
            throw e;
        } finally {
            termination.started.countDown();
        }
        termination.awaitClosed();
    }

    /**
     * Closes {@code resource} at the signal, after every resource owned later. Once the signal has come the start
     * goes no further: {@code resource} is still closed with the rest, and this throws to end the start.
     */
    public synchronized <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        if (signalled) throw new SignalledWhileStarting();
        return resource;
    }

    /** Waits for the hook's close; an interrupt here (the hook's, at once) does not cut it short. */
    private void awaitClosed() {
        boolean interrupted = false;
        while (true) {
            try {
                closed.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void onSignal() {
        synchronized (this) {
            signalled = true;
        }
        try {
            if (!started.await(startingGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                if (!startingGrace.isZero()) {
                    System.err.println("still starting after " + startingGrace.toSeconds()
                            + " s: interrupting the start and stopping what has started");
                }
                starter.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    /** The start failed on its own: close what it owned now, and leave the JVM's exit to the caller. */
    private void closeAfterFailedStart() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException jvmShuttingDown) {
            // the hook is running or about to: close() below runs once, whoever comes first
        }
        close();
    }

    /**
     * Closes everything owned, once; a second caller waits for the first. An interrupted start's thread closes
     * with its interrupt cleared (and set again after): a close must be able to wait for a checkpoint.
     */
    private void close() {
        if (closing.compareAndSet(false, true)) {
            boolean interrupted = Thread.interrupted();
            List<AutoCloseable> toClose;
            synchronized (this) {
                toClose = List.copyOf(owned);
            }
            try {
                closeAll(toClose);
            } finally {
                closed.countDown();
                if (interrupted) Thread.currentThread().interrupt();
            }
        } else {
            awaitClosed();
        }
    }

    /**
     * Closes {@code resources} last first. Every one is closed even when one fails (reported on standard error);
     * an interrupt does not cut the others' waits short and is handed back to the caller at the end.
     */
    public static void closeAll(List<? extends AutoCloseable> resources) {
        boolean interrupted = false;
        for (int i = resources.size() - 1; i >= 0; i--) {
            AutoCloseable resource = resources.get(i);
            try {
                resource.close();
            } catch (InterruptedException e) {
                interrupted = true;
                System.err.println("interrupted while closing " + resource);
            } catch (Exception e) {
                System.err.println("error while closing " + resource + ": " + e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
