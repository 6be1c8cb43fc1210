package io.extrema.ops.demo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.stack.LocalStack;
import io.extrema.stack.StackSettings;
import io.extrema.stack.StackStatus;
import io.extrema.trainer.checkpoint.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping {@code extrema demo} with SIGTERM (what Ctrl-C does) leaves a checkpoint of the trainer's last completed
 * step, also when the demo started the local stack itself: in its own JVM, as a user runs it, with a version
 * published at every step so a broker stopped under the trainer would cost the checkpoint. A SIGTERM while the demo
 * is still starting stops what has started, the stack last, before the JVM exits.
 */
class DemoShutdownTest {
    private static final Pattern LATEST = Pattern.compile("model versions published \\d+ \\(latest v(\\d+)\\)");
    private static final int SEEN = 3;
    private static final String STARTING_PARTS = "Starting trainer, serving, monitor and dashboard";
    private static final String STARTED = "Ctrl-C stops everything.";

    @Test
    void sigtermLeavesACheckpointOfTheLastCompletedStepAndStopsTheStackLast(@TempDir Path tmp) throws Exception {
        StackSettings stack = stackFor("demo");
        Path work = tmp.resolve("work");
        Path log = tmp.resolve("demo.log");
        Process demo = start(stack, work, log);
        try {
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
            while (seen < SEEN && demo.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                Matcher m = LATEST.matcher(Files.readString(log));
                while (m.find()) seen = Math.max(seen, Long.parseLong(m.group(1)));
            }
            assertTrue(seen >= SEEN, "the trainer did not publish " + SEEN + " versions:\n" + Files.readString(log));
            List<Long> pids = stackPids(stack);

            String output = stop(demo, log);

            CheckpointStore.Stored checkpoint =
                    new CheckpointStore(work.resolve("checkpoints"), 2).latest().orElse(null);
            assertNotNull(checkpoint, "no checkpoint after the stop:\n" + output);
            // A version is published at every step: a checkpoint written at the stop knows every version seen
            // before it (no interval checkpoint exists to be confused with it).
            long step = checkpoint.state().step();
            long version = checkpoint.state().lastVersion();
            assertTrue(
                    version >= seen && step >= version,
                    "checkpoint of step " + step + " with version " + version + ", but version " + seen
                            + " was seen before the stop:\n" + output);
            assertStoppedWithItsStack(stack, pids, output);
        } finally {
            cleanUp(demo, stack);
        }
    }

    @Test
    void sigtermWhileStartingStopsWhatHasStartedAndTheStackBeforeExiting(@TempDir Path tmp) throws Exception {
        StackSettings stack = stackFor("demo-starting");
        Path log = tmp.resolve("demo.log");
        Process demo = start(stack, tmp.resolve("work"), log);
        try {
            // The stack is up and the trainer, serving, monitor and dashboard are starting.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (!Files.readString(log).contains(STARTING_PARTS) && demo.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(
                    Files.readString(log).contains(STARTING_PARTS),
                    "the demo did not start:\n" + Files.readString(log));
            List<Long> pids = stackPids(stack);

            String output = stop(demo, log);

            assertFalse(output.contains(STARTED), "the signal came after the start, not during it:\n" + output);
            assertStoppedWithItsStack(stack, pids, output);
        } finally {
            cleanUp(demo, stack);
        }
    }

    private static StackSettings stackFor(String name) {
        Path stackDir = Path.of("target/extrema-stack/" + name + "-"
                        + ProcessHandle.current().pid())
                .toAbsolutePath();
        return StackSettings.defaults(stackDir).withFreePorts();
    }

    /** The demo in its own JVM; no step budget and no interval checkpoint: only the stop writes one. */
    private static Process start(StackSettings stack, Path work, Path log) throws java.io.IOException {
        List<String> command = TinyDemoMain.command(
                stack,
                work,
                List.of(
                        "max.steps=0",
                        "checkpoint.interval.steps=1000",
                        "version.interval.steps=1",
                        "version.interval.minutes=0"),
                "--rate",
                "0",
                "--status.interval.seconds",
                "1");
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static List<Long> stackPids(StackSettings stack) {
        StackStatus running = LocalStack.status(stack);
        assertTrue(running.allUp(), "the demo's stack is not up: " + running);
        return running.services().stream().map(StackStatus.Service::pid).toList();
    }

    /** SIGTERM, as Ctrl-C: the JVM's shutdown hooks run. Returns the demo's whole output once it has exited. */
    private static String stop(Process demo, Path log) throws Exception {
        demo.toHandle().destroy();
        assertTrue(demo.waitFor(4, TimeUnit.MINUTES), "the demo did not stop:\n" + Files.readString(log));
        return Files.readString(log);
    }

    private static void assertStoppedWithItsStack(StackSettings stack, List<Long> pids, String output) {
        assertTrue(output.contains("Stopped."), output);
        assertFalse(output.contains("did not stop"), output);
        StackStatus stopped = LocalStack.status(stack);
        assertTrue(stopped.allDown(), "the demo's stack is not down: " + stopped);
        // The demo exits only after its stack has: no broker or registry process may outlive it.
        for (long pid : pids) {
            assertFalse(
                    ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "stack process " + pid + " still alive after the demo exited:\n" + output);
        }
    }

    private static void cleanUp(Process demo, StackSettings stack) {
        demo.destroyForcibly();
        LocalStack.stop(stack);
        LocalStack.deleteState(stack.stateDir());
    }
}
