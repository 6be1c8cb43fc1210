package io.extrema.model.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.extrema.model.TorchTypes;

/**
 * libtorch's rate on a large square matmul through DJL, on one device in one type: the ceiling a model's FLOPs are
 * compared with (model FLOP utilisation). 2048² on a CPU; 8192² on a GPU, which a smaller one does not saturate.
 */
public final class MatmulRate {

    private MatmulRate() {}

    /** Best of three timed products, FLOP/s. */
    public static double of(Device device, DataType type) {
        int n = device.isGpu() ? 8192 : 2048;
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = TorchTypes.cast(m.randomNormal(new Shape(n, n)), type);
            NDArray b = TorchTypes.cast(m.randomNormal(new Shape(n, n)), type);
            finish(a.matMul(b));
            double best = 0;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                finish(a.matMul(b));
                best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9));
            }
            return best;
        }
    }

    /** Reads one element of {@code c} back, which waits for an asynchronous device, then frees it. */
    private static void finish(NDArray c) {
        try (c;
                NDArray corner = c.get(0, 0)) {
            TorchTypes.cast(corner, DataType.FLOAT32).getFloat();
        }
    }
}
