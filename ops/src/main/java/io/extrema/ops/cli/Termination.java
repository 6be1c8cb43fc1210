package io.extrema.ops.cli;

import java.util.ArrayList;
import java.util.Collections;
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
        CountDownLatch closed = new CountDownLatch(1);
        List<AutoCloseable> reversed = new ArrayList<>(List.of(resources));
        Collections.reverse(reversed);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                for (AutoCloseable resource : reversed) {
                    try {
                        resource.close();
                    } catch (Exception e) {
                        System.err.println("error while closing " + resource + ": " + e);
                    }
                }
            } finally {
                closed.countDown();
            }
        }, "extrema-shutdown"));
        closed.await();
    }
}
