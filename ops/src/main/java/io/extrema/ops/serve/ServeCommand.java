package io.extrema.ops.serve;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.StatusLine;
import io.extrema.ops.cli.Termination;
import io.extrema.serving.app.EmbeddingService;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.live.ModelId;
import io.extrema.serving.metrics.ServingMetrics;
import java.time.Duration;
import java.util.Locale;
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
        return ConsoleSettings.defineLongRunning(new ConfigDef(ServingConfig.DEF), name());
    }

    /** kafka.* settings travel in the originals; ServingConfig hands them to Kafka Streams after its own. */
    public static ServingConfig config(Invocation invocation) {
        return new ServingConfig(invocation.partSettings());
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        ServingConfig config = config(invocation);
        invocation
                .out()
                .println("Serving: waiting for the models topic " + config.getString(ServingConfig.MODELS_TOPIC)
                        + " (model.start=" + config.getString(ServingConfig.MODEL_START) + ")");
        // Owned before it starts, and interrupted at once by a stop: its start may wait for a first model unboundedly.
        Termination.runUntilSignal(Duration.ZERO, termination -> {
            EmbeddingService service = termination.own(new EmbeddingService(config));
            service.start();
            invocation
                    .out()
                    .println("Serving " + config.getString(ServingConfig.IMAGES_TOPIC) + " -> "
                            + config.getString(ServingConfig.EMBEDDINGS_TOPIC) + " with "
                            + service.liveModel().id().orElseThrow()
                            + service.metricsPort()
                                    .map(p -> "; Prometheus on :" + p + "/metrics")
                                    .orElse("")
                            + ". Ctrl-C stops it.");
            termination.own(StatusLine.start(invocation, () -> status(service)));
        });
        return 0;
    }

    /** Embeddings so far and per second, the model version embedding now, dead letters, Kafka Streams' state. */
    static String status(EmbeddingService service) {
        ServingMetrics metrics = service.metrics();
        return String.format(
                Locale.ROOT,
                "embeddings %.0f (%.1f/s)  | model %s  | dead letters %d  | %s",
                metrics.value("embeddings-total"),
                metrics.value("embeddings-rate"),
                service.liveModel().id().map(ModelId::toString).orElse("none yet"),
                metrics.deadLetters(),
                service.streams().state());
    }
}
