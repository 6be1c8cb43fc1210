package io.extrema.ops.dashboard;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.StatusLine;
import io.extrema.ops.cli.Termination;
import org.apache.kafka.common.config.ConfigDef;

/** {@code extrema dashboard}: the live web page over the project's topics, until Ctrl-C. */
public final class DashboardCommand implements Command {

    @Override
    public String name() {
        return "dashboard";
    }

    @Override
    public String summary() {
        return "A live web dashboard of training, embeddings, drift, model versions and alerts, read from the topics.";
    }

    @Override
    public ConfigDef settings() {
        return ConsoleSettings.defineLongRunning(new ConfigDef(DashboardConfig.DEFINITION), name());
    }

    public static DashboardConfig config(Invocation invocation) {
        return new DashboardConfig(invocation.partSettings());
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        DashboardConfig config = config(invocation);
        Termination.runUntilSignal(termination -> {
            DashboardServer server = termination.own(new DashboardServer(config, invocation.kafkaOverrides()).start());
            invocation.out().println("Dashboard on " + server.url() + "  (Ctrl-C stops it)");
            String url = server.url();
            termination.own(StatusLine.start(invocation, () -> url + "  | " + server.status()));
        });
        return 0;
    }
}
