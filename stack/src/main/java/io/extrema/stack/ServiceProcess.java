package io.extrema.stack;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One service of the stack running as an operating-system process: its log file and a pid file, so that a later
 * {@code extrema stack stop} in another JVM finds and stops exactly this process (pid plus start time, so a reused
 * pid is never killed).
 */
final class ServiceProcess {

    private static final Path[] SETSID = {Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")};

    final String name;
    final Path logFile;
    private final Path pidFile;
    /**
     * Kills the service if our JVM dies without running its shutdown hooks (kill -9, a test runner's timeout): a tiny
     * shell loop, so a crashed test run never leaves brokers behind. Null for detached services.
     */
    private static final String ORPHAN_GUARD = String.join(
            "\n",
            "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done",
            "kill \"$2\" 2>/dev/null; i=0",
            "while kill -0 \"$2\" 2>/dev/null && [ $i -lt 20 ]; do sleep 1; i=$((i+1)); done",
            "kill -9 \"$2\" 2>/dev/null");

    private static final Path SH = Path.of("/bin/sh");

    private final ProcessHandle handle;
    private final Process orphanGuard;

    private ServiceProcess(String name, Path logFile, Path pidFile, ProcessHandle handle, Process orphanGuard) {
        this.name = name;
        this.logFile = logFile;
        this.pidFile = pidFile;
        this.handle = handle;
        this.orphanGuard = orphanGuard;
    }

    /**
     * Starts {@code command} with output appended to {@code logFile} and records its pid. Where {@code setsid} exists
     * the process gets its own session, so Ctrl-C in the terminal reaches only our JVM (which then stops the service
     * gracefully) and a detached stack survives the terminal closing. {@code setsid} execs in place: the pid is kept.
     */
    static ServiceProcess launch(
            String name, List<String> command, Path workDir, Path logFile, Path pidFile, boolean ownedByThisJvm) {
        try {
            Files.createDirectories(logFile.getParent());
            Files.createDirectories(workDir);
            Files.writeString(
                    logFile,
                    "=== " + Instant.now() + " " + String.join(" ", command) + System.lineSeparator(),
                    StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(inOwnSession(command))
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
            ProcessHandle handle = process.toHandle();
            Files.writeString(pidFile, handle.pid() + " " + startMillis(handle) + System.lineSeparator());
            return new ServiceProcess(name, logFile, pidFile, handle, ownedByThisJvm ? guard(handle) : null);
        } catch (IOException e) {
            throw new StackException("could not start the " + name + ": " + e.getMessage(), e);
        }
    }

    /** The live process a pid file names, if it is still the same process that wrote it. */
    static Optional<ServiceProcess> fromPidFile(String name, Path logFile, Path pidFile) {
        if (!Files.isRegularFile(pidFile)) return Optional.empty();
        try {
            String[] parts = Files.readString(pidFile).trim().split("\\s+");
            long pid = Long.parseLong(parts[0]);
            long started = parts.length > 1 ? Long.parseLong(parts[1]) : -1;
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> started < 0 || startMillis(h) < 0 || startMillis(h) == started)
                    .map(h -> new ServiceProcess(name, logFile, pidFile, h, null));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // unreadable or half-written pid file: no process we can vouch for
        }
    }

    long pid() {
        return handle.pid();
    }

    boolean isAlive() {
        return handle.isAlive();
    }

    /** Fails with the log tail if the process has exited: it will never become ready. */
    void checkAlive() {
        if (!handle.isAlive()) {
            throw new StackException("the " + name + " exited during start-up; last lines of " + logFile + ":"
                    + System.lineSeparator() + logTail(40));
        }
    }

    /** Sleeps between readiness polls; fails with the log tail once {@code deadline} has passed. */
    void pause(Instant deadline, long millis) {
        if (Instant.now().isAfter(deadline)) {
            throw new StackException("the " + name + " did not become ready in time; last lines of " + logFile + ":"
                    + System.lineSeparator() + logTail(40));
        }
        sleep(millis);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the stack", e);
        }
    }

    /** SIGTERM, wait up to {@code grace}, then kill; removes the pid file. True unless it had to be killed. */
    boolean stop(Duration grace) {
        if (orphanGuard != null) orphanGuard.destroy();
        boolean graceful = handle.isAlive(); // one that already died on its own did not exit gracefully
        if (graceful) {
            handle.destroy();
            if (!awaitExit(grace)) {
                graceful = false;
                handle.destroyForcibly();
                awaitExit(Duration.ofSeconds(10));
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + pidFile, e);
        }
        return graceful;
    }

    private boolean awaitExit(Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    /** The last lines of the log: what an error message shows when the service fails to come up. */
    String logTail(int lines) {
        return logTail(logFile, lines);
    }

    /** The last lines of any service log. */
    static String logTail(Path logFile, int lines) {
        if (!Files.isRegularFile(logFile)) return "(no log at " + logFile + ")";
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = file.length();
            int window = (int) Math.min(length, 64 * 1024);
            byte[] bytes = new byte[window];
            file.seek(length - window);
            file.readFully(bytes);
            String[] all = new String(bytes, StandardCharsets.UTF_8).split("\\R");
            int from = Math.max(0, all.length - lines);
            return String.join(
                    System.lineSeparator(), java.util.Arrays.asList(all).subList(from, all.length));
        } catch (IOException e) {
            return "(could not read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    private static List<String> inOwnSession(List<String> command) {
        List<String> full = new ArrayList<>();
        for (Path setsid : SETSID) {
            if (Files.isExecutable(setsid)) {
                full.add(setsid.toString());
                break;
            }
        }
        full.addAll(command);
        return full;
    }

    private static Process guard(ProcessHandle service) throws IOException {
        if (!Files.isExecutable(SH)) return null; // no POSIX shell (Windows): only the shutdown hook protects
        // its own session too: a signal to our process group must not take the guard down with us
        return new ProcessBuilder(inOwnSession(List.of(
                        SH.toString(),
                        "-c",
                        ORPHAN_GUARD,
                        "extrema-orphan-guard",
                        String.valueOf(ProcessHandle.current().pid()),
                        String.valueOf(service.pid()))))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Start time to the second (what /proc gives), -1 where the OS does not tell: with the pid, a process's identity. */
    static long startMillis(ProcessHandle handle) {
        return handle.info()
                .startInstant()
                .map(i -> i.toEpochMilli() / 1000 * 1000)
                .orElse(-1L);
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
