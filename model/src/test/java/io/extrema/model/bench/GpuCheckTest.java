package io.extrema.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import io.extrema.model.ComputeDevice;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CPU half of bench/gpu-check, on every build: what CI can prove without a GPU. */
class GpuCheckTest {

    @Test
    void theCpuPartRunsAndAMachineWithoutAGpuIsToldSoInOneLine(@TempDir Path dir) throws Exception {
        Path reportFile = dir.resolve("report.md");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            status = GpuCheck.run(new String[] {"--quick", "--report", reportFile.toString()}, out);
        }
        assertEquals(0, status, printed.toString(StandardCharsets.UTF_8));
        String report = Files.readString(reportFile);
        for (String expected : List.of(
                "## Environment",
                "- libtorch loaded from: ",
                "| CPU fp16 |",
                "| agree |",
                "| cifar-tiny | fp32 |",
                "## Input pipeline",
                "| 1 |")) {
            assertTrue(report.contains(expected), "report lacks '" + expected + "':\n" + report);
        }
        if (!ComputeDevice.best().isGpu()) {
            List<String> noGpu = printed.toString(StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> l.startsWith("No GPU"))
                    .toList();
            assertEquals(1, noGpu.size(), printed.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A GPU machine without Maven brings its own libtorch (a Python torch install, a libtorch zip) and points
     * PYTORCH_LIBRARY_PATH at it. Here: the libtorch DJL extracted from the native jar, in a JVM whose class path has
     * no native jar and whose engine cache is empty, so the libtorch can only come from that variable.
     */
    @Test
    void aLibtorchNamedByPytorchLibraryPathIsTheOneLoaded(@TempDir Path dir) throws Exception {
        Engine engine = Engine.getInstance(); // loads libtorch, so its folder is known
        String libtorch = LibUtils.getLibtorchPath();
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("pytorch-native-"))
                .collect(Collectors.joining(File.pathSeparator));
        Path reportFile = dir.resolve("report.md");
        Path log = dir.resolve("child.log");
        ProcessBuilder child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-Dai.djl.pytorch.num_threads=1",
                        "-cp",
                        classPath,
                        GpuCheck.class.getName(),
                        "--quick",
                        "--report",
                        reportFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = child.environment();
        env.put("PYTORCH_LIBRARY_PATH", libtorch);
        env.put("PYTORCH_VERSION", engine.getVersion());
        env.put("PYTORCH_FLAVOR", engine.hasCapability(StandardCapabilities.CUDA) ? "cu124" : "cpu");
        env.put("ENGINE_CACHE_DIR", dir.resolve("engine-cache").toString()); // the JNI library is extracted here
        Process process = child.start();
        try {
            assertTrue(process.waitFor(3, TimeUnit.MINUTES), "the check did not finish in 3 minutes");
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        String report = Files.readString(reportFile);
        assertTrue(
                report.contains("- libtorch loaded from: " + Path.of(libtorch).toAbsolutePath()), report);
        assertTrue(report.contains("- PYTORCH_LIBRARY_PATH: " + libtorch), report);
        assertTrue(report.contains("| agree |"), report);
    }
}
