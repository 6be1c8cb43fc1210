package io.extrema.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Chooses where the model runs from what DJL reports: the first GPU when there is one, else the CPU. */
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
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
}
