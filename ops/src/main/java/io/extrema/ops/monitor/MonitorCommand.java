package io.extrema.ops.monitor;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.Termination;
import io.extrema.serving.monitor.MonitorConfig;
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
        return MonitorConfig.DEFINITION;
    }

    /** The monitor hands undeclared settings to Kafka Streams as they are: the kafka.* ones go in unprefixed. */
    public static MonitorConfig config(Invocation invocation) {
        Map<String, Object> settings = new HashMap<>(invocation.settings().originals());
        settings.putAll(invocation.kafkaOverrides());
        return new MonitorConfig(settings);
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        MonitorConfig config = config(invocation);
        MonitorService service = new MonitorService(config).start();
        invocation.out().println("Monitor running: " + config.getString(MonitorConfig.EMBEDDINGS_TOPIC) + " -> "
                + config.getString(MonitorConfig.MONITOR_TOPIC) + ", alerts -> " + config.getString(MonitorConfig.ALERTS_TOPIC)
                + "; Prometheus on :" + service.prometheusPort() + "/metrics. Ctrl-C stops it.");
        Termination.awaitSignal(service);
        return 0;
    }
}
