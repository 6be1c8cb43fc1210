package io.extrema.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chooses where the model runs from what DJL reports: the first GPU when DJL counts one and the libtorch it loaded
 * was built with CUDA, else the CPU. Both are needed: DJL counts devices through the CUDA runtime (JNA), which finds
 * a GPU even when the libtorch on the class path is the CPU build that cannot use it.
 */
public final class ComputeDevice {

    /** A DJL cache folder's name: {@code <version>-[<build>-]<flavour>-<os>-<arch>}, e.g. {@code 2.5.1-20241113-cpu-linux-x86_64}. */
    private static final Pattern CACHED_FLAVOUR = Pattern.compile("-((?:cpu|cu\\d+)(?:-precxx11)?)-(?:linux|osx|win)");

    private ComputeDevice() {}

    /**
     * The device to train and embed on. On the CPU, libtorch's intra-op pool is set to the number of cores
     * (unless {@code ai.djl.pytorch.num_threads} was given) and inter-op parallelism to 1: our graphs are a
     * chain of large ops, so all cores should work inside each op.
     */
    public static Device best() {
        shareCores(1);
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        Engine engine = Engine.getInstance();
        return engine.getGpuCount() > 0 && engine.hasCapability(StandardCapabilities.CUDA)
                ? Device.gpu()
                : Device.cpu();
    }

    /**
     * How many threads should run the model at once where the caller may choose (serving's stream threads): one
     * per core on a CPU, where two single-threaded engines side by side embedded about 30 % more than one engine
     * with a two-thread pool on 2 cores shared with a broker (docs/benchmarks.md, session 15); one where a GPU
     * will be used (one model per device). Reads the GPU count through the CUDA runtime without loading the
     * engine, so that {@link #shareCores} can still size the pool afterwards.
     */
    public static int modelThreads() {
        return GpuCount.VALUE > 0 ? 1 : Runtime.getRuntime().availableProcessors();
    }

    /** Counted once per JVM, when first asked: each count queries the CUDA runtime and, without one, logs a warning. */
    private static final class GpuCount {
        static final int VALUE = CudaUtils.getGpuCount();
    }

    /**
     * Sizes libtorch's intra-op pool for {@code callers} threads that run the model at the same time (serving's
     * stream threads): each gets its share of the cores, at least one, unless {@code ai.djl.pytorch.num_threads}
     * was given. Two threads each on their own core beat one thread spread over both when other work (a broker,
     * Kafka clients, decoding) shares the cores: every op of a two-thread pool waits for its slower half. Takes
     * effect only before the engine first loads.
     */
    public static void shareCores(int callers) {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            int cores = Runtime.getRuntime().availableProcessors();
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(Math.max(1, cores / callers)));
        }
    }

    /**
     * The first GPU, for a setting that asks for one explicitly: refused at once, naming the libtorch that was
     * loaded, when that libtorch has no CUDA or DJL counts no GPU, rather than failing at the first tensor.
     *
     * @throws IllegalStateException saying what is missing and how to get it
     */
    public static Device requireGpu() {
        best(); // the same thread-pool sizing as any start
        Engine engine = Engine.getInstance();
        if (!engine.hasCapability(StandardCapabilities.CUDA)) {
            throw new IllegalStateException("the libtorch DJL loaded has no CUDA: " + libtorch(engine)
                    + ". Put a CUDA build of libtorch " + engine.getVersion() + " in its place (build with -Pcuda, "
                    + "or set PYTORCH_LIBRARY_PATH and PYTORCH_FLAVOR=cu124; docs/gpu.md), or train on the CPU");
        }
        if (engine.getGpuCount() == 0) {
            throw new IllegalStateException("DJL finds no GPU, though the libtorch it loaded has CUDA ("
                    + libtorch(engine) + "): DJL counts GPUs through the CUDA runtime, so check nvidia-smi and put "
                    + "the folder holding libcudart.so* on LD_LIBRARY_PATH (docs/gpu.md)");
        }
        return Device.gpu();
    }

    private static String libtorch(Engine engine) {
        String dir = LibUtils.getLibtorchPath();
        return engine.getVersion() + ", flavour " + flavour(Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR"), dir)
                + ", from " + dir;
    }

    /**
     * The JNI flavour DJL chose: {@code PYTORCH_FLAVOR} when set (a libtorch of one's own), else the one its cache
     * folder is named after.
     */
    static String flavour(String setting, String libtorchDir) {
        if (setting != null && !setting.isBlank()) {
            return setting;
        }
        Matcher m = CACHED_FLAVOUR.matcher(Path.of(libtorchDir).getFileName().toString());
        return m.find() ? m.group(1) : "unknown";
    }
}
