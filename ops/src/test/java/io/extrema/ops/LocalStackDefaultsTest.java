package io.extrema.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.CommandLine;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.dashboard.DashboardCommand;
import io.extrema.ops.dashboard.DashboardConfig;
import io.extrema.ops.eval.EvalCommand;
import io.extrema.ops.ingest.IngestCommand;
import io.extrema.ops.monitor.MonitorCommand;
import io.extrema.ops.serve.ServeCommand;
import io.extrema.ops.stack.StackCommand;
import io.extrema.ops.train.TrainCommand;
import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.registry.RegistryClientConfig;
import io.extrema.serving.app.EmbeddingService;
import io.extrema.serving.metrics.ServingMetrics;
import io.extrema.serving.monitor.MonitorConfig;
import io.extrema.serving.monitor.MonitorService;
import io.extrema.stack.StackEndpoints;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code extrema stack start}, then any command without {@code --bootstrap.servers} or {@code --schema.registry.url}:
 * every command's Kafka clients and serdes are configured with the addresses of the stack that start brought up.
 */
class LocalStackDefaultsTest {

    /** Where a command's Kafka clients connect and the map its serdes (or registry client) are configured with. */
    private record Reached(Object bootstrapServers, Map<String, Object> serde) {}

    private static Map<Command, Function<Invocation, Reached>> commands() {
        Map<Command, Function<Invocation, Reached>> all = new LinkedHashMap<>();
        all.put(
                new IngestCommand(),
                i -> new Reached(
                        IngestCommand.config(i).producerConfigs().get(ClientSettings.BOOTSTRAP_SERVERS),
                        IngestCommand.config(i).serdeConfigs()));
        all.put(
                new TrainCommand(),
                i -> new Reached(
                        TrainCommand.config(i).kafkaClientConfig().get(ClientSettings.BOOTSTRAP_SERVERS),
                        TrainCommand.config(i).serdeConfig()));
        all.put(new ServeCommand(), i -> {
            try (ServingMetrics metrics = new ServingMetrics()) {
                Map<String, Object> streams = EmbeddingService.streamsConfig(ServeCommand.config(i), metrics);
                return new Reached(streams.get(ClientSettings.BOOTSTRAP_SERVERS), streams);
            }
        });
        all.put(
                new MonitorCommand(),
                i -> new Reached(
                        MonitorCommand.config(i).getString(MonitorConfig.BOOTSTRAP_SERVERS),
                        MonitorService.serdeConfigs(MonitorCommand.config(i))));
        all.put(
                new DashboardCommand(),
                i -> new Reached(
                        DashboardCommand.config(i).getString(DashboardConfig.BOOTSTRAP_SERVERS),
                        DashboardCommand.config(i).serdeConfig()));
        all.put(
                new EvalCommand(),
                i -> new Reached(
                        i.settings().getString(EvalCommand.BOOTSTRAP_SERVERS), EvalCommand.serdeConfig(i.settings())));
        return all;
    }

    private static Invocation parse(Command command, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (command instanceof EvalCommand) all.addAll(List.of("--train", "train", "--test", "test"));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return CommandLine.parse(command, all, Map.of(), quiet, quiet);
    }

    @Test
    void withoutAddressesEveryCommandReachesTheStackThatStackStartBringsUp() {
        StackEndpoints stack = StackCommand.stackSettings(
                        parse(new StackCommand(), "start").settings())
                .endpoints();
        for (var e : commands().entrySet()) {
            String command = "extrema " + e.getKey().name();
            Reached reached = e.getValue().apply(parse(e.getKey(), "images"));
            assertEquals(stack.bootstrapServers(), reached.bootstrapServers(), command);
            // what the serializers ask for first; "at least one schema registry URL is needed" came from here
            assertEquals(
                    List.of(URI.create(stack.registryUrl())),
                    new RegistryClientConfig(reached.serde()).urls(),
                    command);
        }
    }
}
