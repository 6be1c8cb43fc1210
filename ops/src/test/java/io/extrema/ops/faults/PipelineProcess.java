package io.extrema.ops.faults;

import io.extrema.ops.Extrema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One part of the pipeline in its own JVM, started as a user starts it ({@code extrema <command> --key value...})
 * and stopped as a user or a crash stops it: SIGTERM, or SIGKILL with no hook run. Restarts keep the arguments and
 * append to the same log.
 */
final class PipelineProcess implements AutoCloseable {
    private final String name;
    private final List<String> args;
    private final Path log;
    private Process process;
    private int starts;

    PipelineProcess(String name, List<String> args, Path log) {
        this.name = name;
        this.args = List.copyOf(args);
        this.log = log;
    }

    PipelineProcess start() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro",
                "-Dai.djl.offline=true",
                // one libtorch thread each: three JVMs share two cores with the broker and the registry
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                Extrema.class.getName()));
        command.addAll(args);
        Files.writeString(
                log,
                "=== start " + (++starts) + " of " + name + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return this;
    }

    /** SIGKILL: no shutdown hook, no last commit or checkpoint. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " survived SIGKILL");
        }
    }

    /** SIGTERM, what Ctrl-C does: the command's shutdown hook runs. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not stop within 2 minutes of SIGTERM:\n" + tail());
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String name() {
        return name;
    }

    /** The last lines of the log, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
