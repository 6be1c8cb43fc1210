package io.extrema.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Copies values into an existing tensor in place, outside autograd (weights restored, the target branch set from
 * the online one). Not with {@code NDArray.set(Buffer)}: its native call constructs libtorch's deprecated
 * {@code AutoNonVariableTypeMode} guard, whose one-time warning libtorch writes straight to the process's standard
 * error, where no logging configuration can route it. An indexed assignment of the whole tensor is a plain copy.
 */
public final class InPlace {

    private InPlace() {}

    /** {@code target[...] = source}; the shapes must be equal. */
    public static void copy(NDArray source, NDArray target) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            target.set(new NDIndex("..."), source);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** {@code target[...] = values}, row-major in {@code target}'s shape. */
    public static void copy(float[] values, NDArray target) {
        try (NDArray source = target.getManager().create(values, target.getShape())) {
            copy(source, target);
        }
    }
}
