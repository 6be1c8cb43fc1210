package io.extrema.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.extrema.model.checkpoint.TensorArchive;
import io.extrema.model.nn.ProjectedEncoder;
import io.extrema.model.nn.StochasticDepth;
import io.extrema.model.nn.VisionEncoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Inference for serving and evaluation: the whole image through an encoder (normally the target), no masking,
 * no drop-path, no autograd. Either a view on a live {@link ExtremaModel} or a standalone copy loaded from the
 * bytes of {@link ExtremaModel#exportTarget()} (what a model version carries through Kafka).
 */
public final class Embedder implements AutoCloseable {

    /** {@link TensorArchive} kind of exported target weights. */
    public static final String KIND = "extrema-target-weights";

    private final ExtremaConfig config;
    private final ProjectedEncoder network;
    private final ParameterStore parameterStore;
    private final NDManager owned; // null when the weights belong to an ExtremaModel

    private Embedder(ExtremaConfig config, ProjectedEncoder network, ParameterStore ps, NDManager owned) {
        this.config = config;
        this.network = network;
        this.parameterStore = ps;
        this.owned = owned;
    }

    static Embedder view(ExtremaModel model, ProjectedEncoder network) {
        return new Embedder(model.config(), network, model.parameterStore(), null);
    }

    /** A standalone embedder from exported target weights; fails clearly on corrupt bytes or another architecture. */
    public static Embedder load(ExtremaConfig config, byte[] targetWeights) throws IOException {
        TensorArchive archive = TensorArchive.read(targetWeights);
        archive.requireConfig(config);
        return load(archive, config);
    }

    /** As {@link #load(ExtremaConfig, byte[])} with the configuration stored in the weights (parsed once). */
    public static Embedder load(byte[] targetWeights) throws IOException {
        TensorArchive archive = TensorArchive.read(targetWeights);
        return load(archive, archive.config());
    }

    private static Embedder load(TensorArchive archive, ExtremaConfig config) throws IOException {
        archive.requireKind(KIND);
        NDManager manager = NDManager.newBaseManager(ComputeDevice.best());
        try {
            ProjectedEncoder network = new ProjectedEncoder(config);
            network.setInitializer(new ai.djl.training.initializer.ConstantInitializer(0f), p -> true);
            network.initialize(manager, DataType.FLOAT32, new Shape(1, 3, config.imageSize(), config.imageSize()));
            network.freezeParameters(true);
            Map<String, Parameter> named = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : network.getParameters()) {
                named.put("target." + p.getKey(), p.getValue());
            }
            archive.copyInto(named);
            return new Embedder(config, network, new ParameterStore(manager, false), manager);
        } catch (RuntimeException | IOException e) {
            manager.close();
            throw e;
        }
    }

    public ExtremaConfig config() {
        return config;
    }

    /** @param images [B, 3, H, W] float32, normalised like training images; results attach to its manager */
    public Embeddings embed(NDArray images) {
        NDManager caller = images.getManager();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scope = NDManager.newBaseManager(parameterDevice())) {
            NDArray x = images.toDevice(parameterDevice(), true);
            x.attach(scope);
            VisionEncoder.Features f =
                    network.encoder().forward(parameterStore, x, null, 1, StochasticDepth.none(), false);
            NDArray projection = network.projector().forward(parameterStore, f.instance(), false);
            Embeddings out = new Embeddings(
                    f.instance().toDevice(images.getDevice(), false),
                    f.tokens().toDevice(images.getDevice(), false),
                    projection.toDevice(images.getDevice(), false),
                    f.instanceBeforeNorm().toDevice(images.getDevice(), false));
            out.instance().attach(caller);
            out.tokens().attach(caller);
            out.projection().attach(caller);
            out.instanceBeforeNorm().attach(caller);
            return out;
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** @param chw {@code batch} images, each 3·H·W floats in CHW order */
    public FloatEmbeddings embed(float[] chw, int batch) {
        int side = config.imageSize();
        try (NDManager scope = NDManager.newBaseManager(parameterDevice())) {
            Embeddings e = embed(scope.create(chw, new Shape(batch, 3, side, side)));
            return new FloatEmbeddings(
                    rows(e.instance(), batch),
                    rows(e.meanTokens(), batch),
                    rows(e.projection(), batch),
                    rows(e.tokens(), batch)); // tokens [B, N, D] → B rows of N·D
        }
    }

    /**
     * Embeds many images {@code batchSize} at a time and keeps only the features picked from each batch's
     * {@link Embeddings} (e.g. {@code Embeddings::instance}, {@code Embeddings::meanTokens}), so a large evaluation
     * set never holds its patch tokens: {@code result.get(f)[i]} is feature f of image i.
     *
     * @param images CHW images of this model's size, 3·H·W floats each
     */
    public List<float[][]> embedAll(float[][] images, int batchSize, List<Function<Embeddings, NDArray>> features) {
        int side = config.imageSize();
        List<float[][]> out = new ArrayList<>(features.size());
        for (int f = 0; f < features.size(); f++) {
            out.add(new float[images.length][]);
        }
        for (int start = 0; start < images.length; start += batchSize) {
            int n = Math.min(batchSize, images.length - start);
            try (NDManager scope = NDManager.newBaseManager(parameterDevice())) {
                Embeddings e = embed(scope.create(Rows.pack(images, start, n), new Shape(n, 3, side, side)));
                for (int f = 0; f < features.size(); f++) {
                    System.arraycopy(rows(features.get(f).apply(e), n), 0, out.get(f), start, n);
                }
            }
        }
        return out;
    }

    private static float[][] rows(NDArray batchMajor, int batch) {
        return Rows.split(batchMajor.toFloatArray(), batch);
    }

    private ai.djl.Device parameterDevice() {
        return network.getParameters().get(0).getValue().getArray().getDevice();
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}
