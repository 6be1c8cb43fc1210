package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import org.junit.jupiter.api.Test;

class ComputeDeviceTest {

    @Test
    void aGpuAskedForIsGivenOnlyWithACudaLibtorchAndAGpuElseRefusedSayingWhich() {
        Engine engine = Engine.getInstance();
        if (engine.hasCapability(StandardCapabilities.CUDA) && engine.getGpuCount() > 0) {
            assertEquals(Device.gpu(), ComputeDevice.requireGpu());
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, ComputeDevice::requireGpu);
        if (engine.hasCapability(StandardCapabilities.CUDA)) {
            assertTrue(e.getMessage().startsWith("DJL finds no GPU"), e.getMessage());
        } else {
            assertTrue(
                    e.getMessage().startsWith("the libtorch DJL loaded has no CUDA: " + engine.getVersion()),
                    e.getMessage());
            assertTrue(e.getMessage().contains("flavour cpu"), e.getMessage());
        }
    }

    @Test
    void theFlavourIsTheSettingOrTheCacheFoldersName() {
        assertEquals("cpu", ComputeDevice.flavour(null, "/cache/pytorch/2.5.1-20241113-cpu-linux-x86_64"));
        assertEquals("cu124-precxx11", ComputeDevice.flavour("", "/c/2.5.1-cu124-precxx11-linux-x86_64"));
        assertEquals("cu124", ComputeDevice.flavour("cu124", "/opt/torch/lib"));
        assertEquals("unknown", ComputeDevice.flavour(null, "/opt/torch/lib"));
    }

    @Test
    void servingThreadsShareTheCoresAndAGivenPoolSizeWins() {
        String key = "ai.djl.pytorch.num_threads";
        String before = System.getProperty(key);
        int cores = Runtime.getRuntime().availableProcessors();
        try {
            System.clearProperty(key);
            ComputeDevice.shareCores(2);
            assertEquals(Integer.toString(Math.max(1, cores / 2)), System.getProperty(key));
            System.clearProperty(key);
            ComputeDevice.shareCores(cores * 4);
            assertEquals("1", System.getProperty(key), "never fewer than one thread");
            System.setProperty(key, "3");
            ComputeDevice.shareCores(2);
            assertEquals("3", System.getProperty(key), "a pool size the user gave is kept");
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
