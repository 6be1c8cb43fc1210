package io.extrema.ops.cli;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * How a long-running command ends: Ctrl-C or SIGTERM runs a shutdown hook that closes the command's resources in
 * reverse order of opening (as the Kafka Streams examples do), while the main thread waits.
 */
public final class Termination {

    private Termination() {}

    /** Blocks until the JVM is asked to stop, then closes {@code resources} (last first) before it exits. */
    public static void awaitSignal(AutoCloseable... resources) throws InterruptedException {
        awaitSignal(List.of(resources));
    }

    /** {@link #awaitSignal(AutoCloseable...)} for resources collected while starting. */
    public static void awaitSignal(List<? extends AutoCloseable> resources) throws InterruptedException {
        List<AutoCloseable> toClose = List.copyOf(resources);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                closeAll(toClose);
                            } finally {
                                closed.countDown();
                            }
                        },
                        "extrema-shutdown"));
        closed.await();
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
