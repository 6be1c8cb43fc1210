package io.extrema.ops.serve;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.Termination;
import io.extrema.serving.app.EmbeddingService;
import io.extrema.serving.config.ServingConfig;
import org.apache.kafka.common.config.ConfigDef;

/** {@code extrema serve}: the embedding service (images to embeddings, live model updates), until Ctrl-C. */
public final class ServeCommand implements Command {

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "Embed every image on the images topic with the newest model version, live, exactly once.";
    }

    @Override
    public ConfigDef settings() {
        return ServingConfig.DEF;
    }

    /** kafka.* settings travel in the originals; ServingConfig hands them to Kafka Streams after its own. */
    public static ServingConfig config(Invocation invocation) {
        return new ServingConfig(invocation.settings().originals());
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        ServingConfig config = config(invocation);
        EmbeddingService service = new EmbeddingService(config);
        invocation.out().println("Serving: waiting for the models topic " + config.getString(ServingConfig.MODELS_TOPIC)
                + " (model.start=" + config.getString(ServingConfig.MODEL_START) + ")");
        service.start();
        invocation.out().println("Serving " + config.getString(ServingConfig.IMAGES_TOPIC) + " -> "
                + config.getString(ServingConfig.EMBEDDINGS_TOPIC) + " with " + service.liveModel().id().orElseThrow()
                + service.metricsPort().map(p -> "; Prometheus on :" + p + "/metrics").orElse("")
                + ". Ctrl-C stops it.");
        Termination.awaitSignal(service);
        return 0;
    }
}
