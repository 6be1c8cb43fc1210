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
 * published at every step so a broker stopped under the trainer would cost the checkpoint.
 */
class DemoShutdownTest {
    private static final Pattern LATEST = Pattern.compile("model versions published \\d+ \\(latest v(\\d+)\\)");
    private static final int SEEN = 3;

    @Test
    void sigtermLeavesACheckpointOfTheLastCompletedStepAndStopsTheStackLast(@TempDir Path tmp) throws Exception {
        Path stackDir = Path.of(
                        "target/extrema-stack/demo-" + ProcessHandle.current().pid())
                .toAbsolutePath();
        StackSettings stack = StackSettings.defaults(stackDir).withFreePorts();
        Path work = tmp.resolve("work");
        // no step budget and no interval checkpoint: only the stop writes one; a version every step
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
        Path log = tmp.resolve("demo.log");
        Process demo = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
            while (seen < SEEN && demo.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                Matcher m = LATEST.matcher(Files.readString(log));
                while (m.find()) seen = Math.max(seen, Long.parseLong(m.group(1)));
            }
            assertTrue(seen >= SEEN, "the trainer did not publish " + SEEN + " versions:\n" + Files.readString(log));
            StackStatus running = LocalStack.status(stack);
            assertTrue(running.allUp(), "the demo's stack is not up: " + running);
            List<Long> pids =
                    running.services().stream().map(StackStatus.Service::pid).toList();

            demo.toHandle().destroy(); // SIGTERM, as Ctrl-C: the JVM's shutdown hooks run
            assertTrue(demo.waitFor(4, TimeUnit.MINUTES), "the demo did not stop:\n" + Files.readString(log));
            String output = Files.readString(log);

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
            assertTrue(output.contains("Stopped."), output);
            assertFalse(output.contains("did not stop"), output);
            StackStatus stopped = LocalStack.status(stack);
            assertTrue(stopped.allDown(), "the demo's stack is not down: " + stopped);
            // The demo exits only after its stack has: no broker or registry process may outlive it.
            for (long pid : pids) {
                assertFalse(
                        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                        "stack process " + pid + " still alive after the demo exited");
            }
        } finally {
            demo.destroyForcibly();
            LocalStack.stop(stack);
            LocalStack.deleteState(stackDir);
        }
    }
}
