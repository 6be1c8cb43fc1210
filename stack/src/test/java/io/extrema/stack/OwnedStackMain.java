package io.extrema.stack;

import java.nio.file.Path;

/** Test helper JVM: starts an owned stack, prints its pids, then waits to be killed. */
public final class OwnedStackMain {
    public static void main(String[] args) throws InterruptedException {
        StackSettings settings = StackSettings.defaults(Path.of(args[0]))
                .withRegistryHome(Path.of(args[1]))
                .withoutClassDataArchives()
                .withFreePorts();
        LocalStack stack = LocalStack.start(settings);
        System.out.println("PIDS " + stack.pids().get(0) + " " + stack.pids().get(1));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private OwnedStackMain() {}
}
