package io.extrema.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The parameters of one fp16 training step: a half-precision copy of every weight, made at the start of the step
 * in its scope, handed to the blocks instead of the fp32 weights. The copies of trainable parameters are leaves
 * that collect the (scaled) fp16 gradients; the fp32 weights stay the master copy that AdamW, the EMA, checkpoints
 * and exports read. A copy is needed because DJL converts types under libtorch's no-grad guard, so a converted
 * weight cannot pass gradients back to its fp32 original.
 */
final class HalfPrecisionStore extends ParameterStore {

    private final Map<Parameter, NDArray> copies = new IdentityHashMap<>();

    HalfPrecisionStore(ExtremaModel model, NDManager scope) {
        super(scope, false);
        model.trainableParameters().values().forEach(p -> copy(p, scope, true));
        model.targetParameters().values().forEach(p -> copy(p, scope, false));
    }

    private void copy(Parameter parameter, NDManager scope, boolean trainable) {
        NDArray half = TorchTypes.cast(parameter.getArray(), DataType.FLOAT16);
        half.attach(scope);
        if (trainable) {
            half.setRequiresGradient(true);
        }
        copies.put(parameter, half);
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
        NDArray half = copies.get(parameter);
        if (half == null) {
            throw new IllegalStateException("parameter " + parameter.getName() + " is not one of the model's");
        }
        return half;
    }

    /** The fp16 gradient collected by the copy of {@code parameter}. */
    NDArray gradient(Parameter parameter) {
        return copies.get(parameter).getGradient();
    }
}
