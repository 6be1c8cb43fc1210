package io.extrema.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.EnumSet;
import java.util.Set;

/**
 * The one place tensors change type. DJL 0.33's PyTorch JNI maps only some data types to libtorch's; for any other
 * (BFLOAT16 among them) its native code executes a bare {@code throw;} and the JVM dies with "terminate called
 * without an active exception". Every conversion goes through {@link #require} first, so an unsupported type is a
 * Java exception instead.
 */
public final class TorchTypes {

    /** The types the JNI's dtype switch knows (DJL ordinals 0 to 8). */
    private static final Set<DataType> MAPPED = EnumSet.of(
            DataType.FLOAT32,
            DataType.FLOAT64,
            DataType.FLOAT16,
            DataType.UINT8,
            DataType.INT32,
            DataType.INT8,
            DataType.INT64,
            DataType.BOOLEAN,
            DataType.COMPLEX64);

    private TorchTypes() {}

    /** {@code type}, when libtorch can be handed it through DJL. */
    public static DataType require(DataType type) {
        if (!MAPPED.contains(type)) {
            throw new UnsupportedOperationException("DJL's PyTorch engine cannot convert tensors to " + type
                    + " (its JNI aborts the process on it); supported: " + MAPPED);
        }
        return type;
    }

    /**
     * {@code x} converted to {@code type}, in {@code x}'s manager. Detached: DJL converts under libtorch's no-grad
     * guard, so no gradient flows back through it (use {@link #upcast} inside a recorded graph).
     */
    public static NDArray cast(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(require(type), false);
    }

    /**
     * {@code x} as float32 inside the recorded graph: adding a one-element float32 zero promotes the result to
     * float32, and autograd converts the gradient back on the way down.
     */
    public static NDArray upcast(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.add(x.getManager().zeros(new Shape(1), DataType.FLOAT32));
    }

    /** A constant (not a parameter, no gradient) in the type of the activations {@code x}, in {@code x}'s manager. */
    public static NDArray like(NDArray constant, NDArray x) {
        if (constant.getDataType() == x.getDataType()) {
            return constant;
        }
        NDArray converted = cast(constant, x.getDataType());
        converted.attach(x.getManager());
        return converted;
    }
}
