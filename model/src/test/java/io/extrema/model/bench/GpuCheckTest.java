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
import java.util.stream.Stream;
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
     * PYTORCH_LIBRARY_PATH at it. Here: a folder of links to the libtorch DJL extracted from the native jar, without
     * DJL's JNI library (a Python install has none), in a JVM whose class path has no native jar and whose engine
     * cache is empty: libtorch can only come from that variable, the JNI library only from the pytorch-jni jar.
     */
    @Test
    void aLibtorchNamedByPytorchLibraryPathIsTheOneLoaded(@TempDir Path dir) throws Exception {
        Engine engine = Engine.getInstance(); // loads libtorch, so its folder is known
        Path libtorch = Files.createDirectories(dir.resolve("libtorch"));
        try (Stream<Path> files = Files.list(Path.of(LibUtils.getLibtorchPath()))) {
            for (Path file : files.filter(f -> !f.getFileName().toString().contains("djl_torch"))
                    .toList()) {
                Files.createSymbolicLink(libtorch.resolve(file.getFileName()), file);
            }
        }
        Path engineCache = dir.resolve("engine-cache");
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
        env.put("PYTORCH_LIBRARY_PATH", libtorch.toString());
        env.put("PYTORCH_VERSION", engine.getVersion());
        env.put("PYTORCH_FLAVOR", engine.hasCapability(StandardCapabilities.CUDA) ? "cu124" : "cpu");
        env.put("ENGINE_CACHE_DIR", engineCache.toString());
        Process process = child.start();
        try {
            assertTrue(process.waitFor(3, TimeUnit.MINUTES), "the check did not finish in 3 minutes");
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        String report = Files.readString(reportFile);
        assertTrue(report.contains("- libtorch loaded from: " + libtorch), report);
        assertTrue(report.contains("- PYTORCH_LIBRARY_PATH: " + libtorch), report);
        assertTrue(report.contains("| agree |"), report);
        try (Stream<Path> extracted = Files.walk(engineCache)) {
            assertTrue(extracted.anyMatch(f -> f.getFileName().toString().endsWith("libdjl_torch.so")), output);
        }
    }
}
