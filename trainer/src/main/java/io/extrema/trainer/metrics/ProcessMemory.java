package io.extrema.trainer.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process. Tensors live in native memory that {@code -Xmx} does not bound, so the JVM heap
 * says little about a leak; the kernel's VmRSS counts everything.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    /** VmRSS in bytes from {@code /proc/self/status}; NaN where there is no such file (not Linux). */
    public static double rssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String kb =
                            line.substring("VmRSS:".length()).replace("kB", "").trim();
                    return Long.parseLong(kb) * 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private ProcessMemory() {}
}
