package io.extrema.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import io.extrema.model.checkpoint.TensorArchive;
import io.extrema.model.nn.ProjectedEncoder;
import io.extrema.model.nn.ProjectionHead;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ExtreMA networks on one device: the online branch (encoder + CA + projector) with its predictor, and the
 * target branch, an EMA of the online encoder + CA + projector that gradients never touch.
 */
public final class ExtremaModel implements AutoCloseable {

    private final ExtremaConfig config;
    private final Device device;
    private final NDManager manager;
    private final ProjectedEncoder online;
    private final ProjectionHead predictor;
    private final ProjectedEncoder target;
    private final ParameterStore parameterStore;
    private final Map<String, Parameter> trainable;
    private final Map<String, Parameter> targetParameters;

    private ExtremaModel(ExtremaConfig config, Device device) {
        this.config = config;
        this.device = device;
        this.manager = NDManager.newBaseManager(device);
        Engine.getInstance().setRandomSeed((int) config.seed());
        Shape images = new Shape(1, 3, config.imageSize(), config.imageSize());
        online = initialise(new ProjectedEncoder(config), images);
        predictor = initialise(
                new ProjectionHead(2, config.predictorHidden(), config.projectorOut(), config.batchNormHeads()),
                new Shape(1, config.projectorOut()));
        target = initialise(new ProjectedEncoder(config), images);
        target.freezeParameters(true);
        parameterStore = new ParameterStore(manager, false);
        trainable = new LinkedHashMap<>();
        named(trainable, "online.", online);
        named(trainable, "predictor.", predictor);
        targetParameters = named(new LinkedHashMap<>(), "target.", target);
        copyOnlineToTarget();
    }

    /** A freshly initialised model on {@link ComputeDevice#best()}; the target starts equal to the online branch. */
    public static ExtremaModel create(ExtremaConfig config) {
        return create(config, ComputeDevice.best());
    }

    public static ExtremaModel create(ExtremaConfig config, Device device) {
        return new ExtremaModel(config, device);
    }

    private <B extends Block> B initialise(B block, Shape input) {
        // DJL's default, sqrt(2) wider than the official code's xavier_uniform_: the official bound learned less on
        // the CPU preset at equal images from 15 minutes on (docs/model.md, "Departures from the official code").
        block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, input);
        return block;
    }

    private static Map<String, Parameter> named(Map<String, Parameter> into, String prefix, Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            into.put(prefix + p.getKey(), p.getValue());
        }
        return into;
    }

    public ExtremaConfig config() {
        return config;
    }

    public Device device() {
        return device;
    }

    /** Owner of the weights; per-step managers are made with {@code manager().newSubManager()}. */
    public NDManager manager() {
        return manager;
    }

    public ParameterStore parameterStore() {
        return parameterStore;
    }

    public ProjectedEncoder online() {
        return online;
    }

    public ProjectionHead predictor() {
        return predictor;
    }

    public ProjectedEncoder target() {
        return target;
    }

    /** Online encoder, CA, projector and predictor parameters by stable name ("online.…", "predictor.…"). */
    public Map<String, Parameter> trainableParameters() {
        return Collections.unmodifiableMap(trainable);
    }

    /** Target parameters by stable name ("target.…"), in the same order as the online ones they follow. */
    public Map<String, Parameter> targetParameters() {
        return Collections.unmodifiableMap(targetParameters);
    }

    /**
     * The online encoder, CA blocks and projector under the names of the target parameters that mirror them
     * (both branches are the same blocks), so target weights can be copied into the online branch.
     */
    Map<String, Parameter> onlineUnderTargetNames() {
        return named(new LinkedHashMap<>(), "target.", online);
    }

    /**
     * Whether AdamW's decoupled weight decay applies: not to 1-D parameters (biases, LayerNorm gains and shifts,
     * LayerScale gains) nor the class token. The position embedding is a fixed table, not a parameter at all.
     */
    public static boolean decays(String name, Parameter parameter) {
        return parameter.getShape().dimension() >= 2 && !name.endsWith("cls_token");
    }

    /**
     * EMA of the online branch into the target, in place and outside autograd: {@code t ← m·t + (1−m)·o},
     * computed as {@code t += (1−m)·(o − t)}.
     */
    public void updateTarget(double momentum) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            List<Parameter> from = onlineEncoderParameters();
            int i = 0;
            for (Parameter t : targetParameters.values()) {
                NDArray tw = t.getArray();
                try (NDArray delta = from.get(i++).getArray().sub(tw)) {
                    tw.addi(delta.muli(1 - momentum));
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private List<Parameter> onlineEncoderParameters() {
        List<Parameter> list = new ArrayList<>();
        for (Pair<String, Parameter> p : online.getParameters()) {
            list.add(p.getValue());
        }
        return list;
    }

    private void copyOnlineToTarget() {
        List<Parameter> from = onlineEncoderParameters();
        int i = 0;
        for (Parameter t : targetParameters.values()) {
            InPlace.copy(from.get(i++).getArray(), t.getArray());
        }
    }

    /**
     * The target branch's weights as a self-checking archive (see docs/checkpoints.md), what a model version
     * carries; {@link Embedder#load(ExtremaConfig, byte[])} reads it back.
     */
    public byte[] exportTarget() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        targetParameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        return TensorArchive.write(Embedder.KIND, config, Map.of(), arrays);
    }

    /** Inference on the target branch (the served model) or, for comparisons, the online one; shares the weights. */
    public Embedder embedder(boolean useTarget) {
        return Embedder.view(this, useTarget ? target : online);
    }

    @Override
    public void close() {
        manager.close();
    }
}
