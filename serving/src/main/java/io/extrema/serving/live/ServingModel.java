package io.extrema.serving.live;

import io.extrema.model.Embedder;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.FloatEmbeddings;
import io.extrema.schemas.models.ModelVersion;
import java.io.IOException;
import java.util.Optional;

/**
 * One loaded model, ready to embed, and who may still use it. Batches hold a {@link Lease}; once the model is
 * retired (replaced) it closes when the last lease is returned, never under a running batch.
 */
public final class ServingModel {
    private final ModelId id;
    private final Embedder embedder;
    private final AutoCloseable owner;
    private int leases;
    private boolean retired;
    private boolean closed;

    private ServingModel(ModelId id, Embedder embedder, AutoCloseable owner) {
        this.id = id;
        this.embedder = embedder;
        this.owner = owner;
    }

    /**
     * Loads a verified version and embeds one blank image with it, so a version whose weights load but do not run
     * is refused here, on the loading thread, and never reaches a batch.
     *
     * @throws IOException when the weights do not load or do not run
     */
    public static ServingModel load(ModelVersion version) throws IOException {
        // A manifest without a configuration leaves it to the one stored in the weights.
        Embedder embedder = version.config().isEmpty()
                ? Embedder.load(version.weights())
                : Embedder.load(ExtremaConfig.fromMap(version.config()), version.weights());
        try {
            check(embedder);
        } catch (RuntimeException e) {
            embedder.close();
            throw new IOException("version " + version.version() + " loads but does not embed: " + e.getMessage(), e);
        }
        return new ServingModel(
                new ModelId(version.modelName(), version.version(), version.step()), embedder, embedder);
    }

    /** A freshly initialised network (version 0): embeddings from it say so in every record. */
    public static ServingModel fresh(String name, ExtremaConfig config) {
        ExtremaModel model = ExtremaModel.create(config);
        return new ServingModel(new ModelId(name, ModelId.FRESH_VERSION, 0), model.embedder(true), model);
    }

    private static void check(Embedder embedder) throws IOException {
        int side = embedder.config().imageSize();
        FloatEmbeddings e = embedder.embed(new float[3 * side * side], 1);
        if (e.instance()[0].length != embedder.config().dim()) {
            throw new IOException("instance width " + e.instance()[0].length + ", config says "
                    + embedder.config().dim());
        }
        for (float v : e.instance()[0]) {
            if (!Float.isFinite(v)) {
                throw new IOException("non-finite embedding of a blank image");
            }
        }
    }

    public ModelId id() {
        return id;
    }

    public ExtremaConfig config() {
        return embedder.config();
    }

    /** @param chw {@code batch} images of 3·S·S floats, S = {@code config().imageSize()} */
    public FloatEmbeddings embed(float[] chw, int batch) {
        return embedder.embed(chw, batch);
    }

    synchronized Optional<Lease> tryLease() {
        if (retired) {
            return Optional.empty();
        }
        leases++;
        return Optional.of(new Lease());
    }

    /** No new batch may lease it; it closes now, or when the last running batch returns its lease. */
    public synchronized void retire() {
        retired = true;
        closeIfUnused();
    }

    private synchronized void release() {
        leases--;
        closeIfUnused();
    }

    private void closeIfUnused() {
        if (retired && leases == 0 && !closed) {
            closed = true;
            try {
                owner.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + id, e);
            }
        }
    }

    /** The right to embed with this model until closed; one per batch. */
    public final class Lease implements AutoCloseable {
        private boolean returned;

        public ServingModel model() {
            return ServingModel.this;
        }

        @Override
        public void close() {
            if (!returned) {
                returned = true;
                release();
            }
        }
    }
}
