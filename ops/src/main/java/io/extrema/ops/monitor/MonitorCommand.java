package io.extrema.ops.monitor;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.StatusLine;
import io.extrema.ops.cli.Termination;
import io.extrema.serving.monitor.MonitorConfig;
import io.extrema.serving.monitor.MonitorMeters;
import io.extrema.serving.monitor.MonitorService;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/** {@code extrema monitor}: the embedding statistics and alert topology, until Ctrl-C. */
public final class MonitorCommand implements Command {

    @Override
    public String name() {
        return "monitor";
    }

    @Override
    public String summary() {
        return "Embedding statistics (spread, drift, dead letters) per source and window, and alerts, from the topics.";
    }

    @Override
    public ConfigDef settings() {
        return ConsoleSettings.defineLongRunning(new ConfigDef(MonitorConfig.DEFINITION), name());
    }

    /** The monitor hands undeclared settings to Kafka Streams as they are: the kafka.* ones go in unprefixed. */
    public static MonitorConfig config(Invocation invocation) {
        Map<String, Object> settings = new HashMap<>(invocation.partSettings());
        settings.putAll(invocation.kafkaOverrides());
        return new MonitorConfig(settings);
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        MonitorConfig config = config(invocation);
        Termination.runUntilSignal(termination -> {
            MonitorService service = termination.own(new MonitorService(config).start());
            invocation
                    .out()
                    .println("Monitor running: " + config.getString(MonitorConfig.EMBEDDINGS_TOPIC) + " -> "
                            + config.getString(MonitorConfig.MONITOR_TOPIC) + ", alerts -> "
                            + config.getString(MonitorConfig.ALERTS_TOPIC)
                            + "; Prometheus on :" + service.prometheusPort() + "/metrics. Ctrl-C stops it.");
            termination.own(StatusLine.start(invocation, () -> status(service)));
        });
        return 0;
    }

    /** Embeddings read, windows and alerts published, unreadable records, Kafka Streams' state. */
    static String status(MonitorService service) {
        MonitorMeters meters = service.meters();
        return "embeddings read " + meters.embeddingsObserved() + "  | windows " + meters.windowsPublished()
                + ", alerts " + meters.alertsRaised() + "  | unreadable " + meters.unreadableRecords()
                + "  | " + service.state();
    }
}
