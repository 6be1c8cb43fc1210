package io.extrema.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.Topics;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** {@code extrema stack start|status|stop} end to end, with real processes on free ports. */
class ExtremaStackTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int extrema(List<String> args) {
        out.reset();
        err.reset();
        return Extrema.run(
                args,
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void startLeavesAStackWithTheProjectTopicsThatStatusSeesAndStopEnds() throws Exception {
        Path dir = Path.of("target/extrema-stack/cli-" + ProcessHandle.current().pid())
                .toAbsolutePath();
        int[] ports = StackSettings.freePorts(4);
        int broker = ports[0];
        List<String> settings = List.of(
                "--stack.dir",
                dir.toString(),
                "--stack.broker.port",
                String.valueOf(broker),
                "--stack.controller.port=" + ports[1],
                "--stack.registry.port",
                String.valueOf(ports[2]),
                "--stack.registry.management.port",
                String.valueOf(ports[3]),
                // share one unpacked registry between test runs
                "--stack.registry.home",
                Path.of("target/extrema-stack/registry").toAbsolutePath().toString());
        try {
            assertEquals(0, extrema(with("start", settings)), err.toString());
            assertTrue(out.toString().contains("bootstrap.servers=127.0.0.1:" + broker), out.toString());
            assertTrue(out.toString().contains("/apis/ccompat/v7"), out.toString());

            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker))) {
                Set<String> names = admin.listTopics().names().get();
                Topics.all().forEach(t -> assertTrue(names.contains(t.name()), "missing topic " + t.name()));
            }

            assertEquals(0, extrema(with("status", settings)), out.toString());
            assertTrue(out.toString().matches("(?s)broker +up .*registry +up .*"), out.toString());

            assertEquals(0, extrema(with("stop", settings)));
            assertTrue(out.toString().contains("Stack stopped"), out.toString());
            assertEquals(3, extrema(with("status", settings)));
            assertTrue(out.toString().matches("(?s)broker +down .*registry +down .*"), out.toString());
        } finally {
            LocalStack.stop(StackSettings.defaults(dir));
            LocalStack.deleteState(dir);
        }
    }

    @Test
    void unknownCommandsAndActionsAreUsageErrors() {
        assertEquals(2, extrema(List.of("nonsense")));
        assertTrue(err.toString().contains("unknown command 'nonsense'"));
        assertEquals(2, extrema(List.of("stack", "restart")));
        assertTrue(err.toString().contains("start|stop|status|run"), err.toString());
        assertEquals(0, extrema(List.of("stack", "--help")));
        assertTrue(out.toString().contains("--stack.broker.port <int>"));
    }

    private static List<String> with(String action, List<String> settings) {
        List<String> args = new ArrayList<>(List.of("stack", action));
        args.addAll(settings);
        return args;
    }
}
