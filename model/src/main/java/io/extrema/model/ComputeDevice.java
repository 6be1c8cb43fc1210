package io.extrema.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;

/**
 * Chooses where the model runs from what DJL reports: the first GPU when DJL counts one and the libtorch it loaded
 * was built with CUDA, else the CPU. Both are needed: DJL counts devices through the CUDA runtime (JNA), which finds
 * a GPU even when the libtorch on the class path is the CPU build that cannot use it.
 */
public final class ComputeDevice {

    private ComputeDevice() {}

    /**
     * The device to train and embed on. On the CPU, libtorch's intra-op pool is set to the number of cores
     * (unless {@code ai.djl.pytorch.num_threads} was given) and inter-op parallelism to 1: our graphs are a
     * chain of large ops, so all cores should work inside each op.
     */
    public static Device best() {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty(
                    "ai.djl.pytorch.num_threads",
                    Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        Engine engine = Engine.getInstance();
        return engine.getGpuCount() > 0 && engine.hasCapability(StandardCapabilities.CUDA)
                ? Device.gpu()
                : Device.cpu();
    }
}
