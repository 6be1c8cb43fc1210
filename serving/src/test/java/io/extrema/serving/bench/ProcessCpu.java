package io.extrema.serving.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * CPU seconds used by named processes (Linux {@code /proc/<pid>/stat}), so a benchmark can say how the machine's
 * cores were shared while it measured: on a few cores, the broker beside the service takes a part of them. Also the
 * share of each JVM's JIT compiler threads, which in JVMs a few minutes old still compile in bursts of a core.
 */
final class ProcessCpu {
    private static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on

    private final Map<String, Long> pids;
    private Map<String, Double> start;
    private Map<String, Double> compilersStart;
    private long startNanos;

    ProcessCpu(Map<String, Long> pids) {
        this.pids = pids;
    }

    void start() {
        start = seconds(ProcessCpu::seconds);
        compilersStart = seconds(ProcessCpu::compilerSeconds);
        startNanos = System.nanoTime();
    }

    /** Cores each process used on average since {@link #start()}. */
    Map<String, Double> coresSinceStart() {
        return since(start, seconds(ProcessCpu::seconds));
    }

    /** Cores each process's JIT compiler threads used on average since {@link #start()}. */
    Map<String, Double> compilerCoresSinceStart() {
        return since(compilersStart, seconds(ProcessCpu::compilerSeconds));
    }

    private Map<String, Double> since(Map<String, Double> from, Map<String, Double> now) {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        now.forEach((name, s) -> cores.put(name, (s - from.getOrDefault(name, s)) / wall));
        return cores;
    }

    private Map<String, Double> seconds(ToDoubleFunction<Long> ofPid) {
        Map<String, Double> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> out.put(name, ofPid.applyAsDouble(pid)));
        return out;
    }

    /** utime + stime of {@code pid}, or 0 once it has gone. */
    static double seconds(long pid) {
        return seconds(Path.of("/proc/" + pid + "/stat"));
    }

    /** utime + stime of the HotSpot compiler threads of {@code pid} ("C1 CompilerThre", "C2 CompilerThre"). */
    private static double compilerSeconds(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.filter(t -> isCompiler(t.resolve("comm")))
                    .mapToDouble(t -> seconds(t.resolve("stat")))
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean isCompiler(Path comm) {
        try {
            return Files.readString(comm).strip().matches("C[12] CompilerThre");
        } catch (IOException e) {
            return false; // the thread has ended
        }
    }

    private static double seconds(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND; // fields 14 and 15
        } catch (IOException e) {
            return 0;
        }
    }
}
