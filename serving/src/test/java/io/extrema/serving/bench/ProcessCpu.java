package io.extrema.serving.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU seconds used by named processes (Linux {@code /proc/<pid>/stat}), so a benchmark can say how the machine's
 * cores were shared while it measured: on a few cores, the broker beside the service takes a part of them.
 */
final class ProcessCpu {
    private static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on

    private final Map<String, Long> pids;
    private Map<String, Double> start;
    private long startNanos;

    ProcessCpu(Map<String, Long> pids) {
        this.pids = pids;
    }

    void start() {
        start = seconds();
        startNanos = System.nanoTime();
    }

    /** Cores each process used on average since {@link #start()}. */
    Map<String, Double> coresSinceStart() {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> now = seconds();
        Map<String, Double> cores = new LinkedHashMap<>();
        now.forEach((name, s) -> cores.put(name, (s - start.getOrDefault(name, s)) / wall));
        return cores;
    }

    private Map<String, Double> seconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> out.put(name, seconds(pid)));
        return out;
    }

    /** utime + stime of {@code pid}, or 0 once it has gone. */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND; // fields 14 and 15
        } catch (IOException e) {
            return 0;
        }
    }
}
