package io.extrema.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.CommandLine;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.dashboard.DashboardCommand;
import io.extrema.ops.demo.Demo;
import io.extrema.ops.demo.DemoCommand;
import io.extrema.ops.eval.EvalCommand;
import io.extrema.ops.ingest.IngestCommand;
import io.extrema.ops.monitor.MonitorCommand;
import io.extrema.ops.serve.ServeCommand;
import io.extrema.ops.train.TrainCommand;
import io.extrema.schemas.registry.RegistryClientConfig;
import io.extrema.serving.app.EmbeddingService;
import io.extrema.serving.metrics.ServingMetrics;
import io.extrema.serving.monitor.MonitorService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry credentials are given one way to every command, under Confluent's names, and reach the map its serdes
 * and registry client are configured with: what {@link RegistryClientConfig} reads there is what was given.
 */
class RegistryCredentialsTest {
    private static final String USER_INFO = "extrema:s3cret";

    @TempDir
    Path dir;

    /** Each command with the arguments it needs besides the credentials, and the serde map it would configure. */
    private Map<Command, Function<Invocation, List<Map<String, Object>>>> commands() {
        Map<Command, Function<Invocation, List<Map<String, Object>>>> all = new LinkedHashMap<>();
        all.put(new TrainCommand(), i -> List.of(TrainCommand.config(i).serdeConfig()));
        all.put(new IngestCommand(), i -> List.of(IngestCommand.config(i).serdeConfigs()));
        all.put(new ServeCommand(), i -> {
            try (ServingMetrics metrics = new ServingMetrics()) {
                // the serdes, the dead-letter serializer and the model follower are configured with this map
                return List.of(EmbeddingService.streamsConfig(ServeCommand.config(i), metrics));
            }
        });
        all.put(new MonitorCommand(), i -> List.of(MonitorService.serdeConfigs(MonitorCommand.config(i))));
        all.put(new DashboardCommand(), i -> List.of(DashboardCommand.config(i).serdeConfig()));
        all.put(new EvalCommand(), i -> List.of(EvalCommand.serdeConfig(i.settings())));
        all.put(new DemoCommand(), i -> {
            Demo demo =
                    new Demo(new DemoCommand().plan(i, "127.0.0.1:9092", "http://registry.example/apis/ccompat/v7"));
            // every part the demo runs, and its own status reader
            try (ServingMetrics metrics = new ServingMetrics()) {
                return List.of(
                        demo.trainerConfig().serdeConfig(),
                        demo.ingestConfig().serdeConfigs(),
                        EmbeddingService.streamsConfig(demo.servingConfig(), metrics),
                        MonitorService.serdeConfigs(demo.monitorConfig()),
                        demo.dashboardConfig().serdeConfig(),
                        demo.serdeConfig());
            }
        });
        return all;
    }

    private Invocation parse(Command command, Map<String, String> env, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        if (command instanceof EvalCommand) all.addAll(List.of("--train", "train", "--test", "test"));
        if (command instanceof DemoCommand)
            all.addAll(List.of(
                    "--data", Files.createDirectories(dir.resolve("data")).toString()));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return CommandLine.parse(command, all, env, quiet, quiet);
    }

    private static void assertCarried(Command command, List<Map<String, Object>> serdeConfigs) {
        for (Map<String, Object> serde : serdeConfigs) {
            RegistryClientConfig registry = new RegistryClientConfig(serde);
            assertEquals(
                    Optional.of(USER_INFO), registry.userInfo(), "extrema " + command.name() + ": " + serde.keySet());
            assertEquals("USER_INFO", registry.getString(RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE));
        }
    }

    @Test
    void everyCommandTakesTheConfluentNamesOnTheCommandLineAndHandsThemToItsSerdes() throws IOException {
        for (var e : commands().entrySet()) {
            Invocation invocation = parse(
                    e.getKey(),
                    Map.of(),
                    "--schema.registry.url",
                    "http://registry.example/apis/ccompat/v7",
                    "--basic.auth.credentials.source",
                    "USER_INFO",
                    "--basic.auth.user.info",
                    USER_INFO);
            assertCarried(e.getKey(), e.getValue().apply(invocation));
        }
    }

    @Test
    void oneConfigFileOrTheEnvironmentServesEveryCommand() throws IOException {
        Path file = Files.writeString(
                dir.resolve("extrema.properties"),
                String.join(
                        "\n",
                        "schema.registry.url=http://registry.example/apis/ccompat/v7",
                        "basic.auth.credentials.source=USER_INFO",
                        "basic.auth.user.info=" + USER_INFO,
                        ""));
        Map<String, String> env = Map.of(
                "EXTREMA_BASIC_AUTH_CREDENTIALS_SOURCE",
                "USER_INFO",
                "EXTREMA_BASIC_AUTH_USER_INFO",
                USER_INFO,
                "EXTREMA_SCHEMA_REGISTRY_URL",
                "http://registry.example");
        for (var e : commands().entrySet()) {
            assertCarried(e.getKey(), e.getValue().apply(parse(e.getKey(), Map.of(), "--config", file.toString())));
            assertCarried(e.getKey(), e.getValue().apply(parse(e.getKey(), env)));
        }
    }

    @Test
    void withoutCredentialsNoneAreSentAndUserInfoAloneIsRefusedAtStart() throws IOException {
        for (var e : commands().entrySet()) {
            for (Map<String, Object> serde : e.getValue()
                    .apply(parse(e.getKey(), Map.of(), "--schema.registry.url", "http://registry.example"))) {
                assertEquals(
                        Optional.empty(),
                        new RegistryClientConfig(serde).userInfo(),
                        "extrema " + e.getKey().name());
            }
            Invocation missing = parse(e.getKey(), Map.of(), "--basic.auth.credentials.source", "USER_INFO");
            RuntimeException refused = assertThrows(
                    RuntimeException.class,
                    () -> e.getValue().apply(missing),
                    "extrema " + e.getKey().name());
            assertTrue(refused.getMessage().contains("basic.auth.user.info"), refused.getMessage());
        }
    }
}
