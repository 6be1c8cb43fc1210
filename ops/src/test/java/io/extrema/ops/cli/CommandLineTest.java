package io.extrema.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    /** A command declaring a few settings of each kind. */
    private static final Command DEMO = new Command() {
        public String name() {
            return "demo";
        }

        public String summary() {
            return "A command for tests.";
        }

        public String arguments() {
            return "go|wait";
        }

        public String details() {
            return "  go     start going\n  wait   do not\n";
        }

        public ConfigDef settings() {
            return new ConfigDef()
                    .define("demo.port", Type.INT, 9000, Range.between(1, 65535), Importance.HIGH, "The port to use.")
                    .define("demo.name", Type.STRING, "alpha", Importance.MEDIUM, "A name.")
                    .define("demo.verbose", Type.BOOLEAN, false, Importance.LOW, "Say more.");
        }

        public int run(Invocation invocation) {
            return 0;
        }
    };

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

    private Invocation parse(Map<String, String> env, String... args) {
        return CommandLine.parse(DEMO, List.of(args), env, print, print);
    }

    @Test
    void commandLineBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        Path file = dir.resolve("extrema.properties");
        Files.writeString(file, "demo.port=1111\ndemo.name=from-file\nother.command.key=ignored\n");
        Map<String, String> env = Map.of("EXTREMA_DEMO_PORT", "2222");

        Invocation defaults = parse(Map.of());
        assertEquals(9000, defaults.settings().getInt("demo.port"));
        assertEquals("alpha", defaults.settings().getString("demo.name"));

        Invocation fromFile = parse(Map.of(), "--config", file.toString());
        assertEquals(1111, fromFile.settings().getInt("demo.port"));
        assertEquals("from-file", fromFile.settings().getString("demo.name"));

        Invocation fromEnv = parse(env, "--config=" + file);
        assertEquals(2222, fromEnv.settings().getInt("demo.port"));
        assertEquals("from-file", fromEnv.settings().getString("demo.name"));

        Invocation fromArgs = parse(env, "go", "--config", file.toString(), "--demo.port", "3333", "--demo.name=cli");
        assertEquals(3333, fromArgs.settings().getInt("demo.port"));
        assertEquals("cli", fromArgs.settings().getString("demo.name"));
        assertEquals(List.of("go"), fromArgs.arguments());
        assertEquals("go", fromArgs.action("go|wait"));
    }

    @Test
    void booleansMayBeBareFlags() {
        assertEquals(true, parse(Map.of(), "--demo.verbose").settings().getBoolean("demo.verbose"));
        assertEquals(true, parse(Map.of(), "--demo.verbose", "go").settings().getBoolean("demo.verbose"));
        assertEquals(
                false, parse(Map.of(), "--demo.verbose", "false").settings().getBoolean("demo.verbose"));
        assertEquals(List.of("go"), parse(Map.of(), "--demo.verbose", "go").arguments());
    }

    @Test
    void dashesMayStandForTheDotsOfADeclaredName() {
        assertEquals(true, parse(Map.of(), "--demo-verbose").settings().getBoolean("demo.verbose"));
        assertEquals(4242, parse(Map.of(), "--demo-port=4242").settings().getInt("demo.port"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--demo-prot", "1"))
                .getMessage()
                .contains("unknown option --demo-prot"));
    }

    @Test
    void kafkaSettingsPassThroughWithThePrefixStripped() throws IOException {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, "kafka.compression.type=zstd\nkafka.linger.ms=1\n");
        Invocation invocation =
                parse(Map.of(), "--config", file.toString(), "--kafka.linger.ms=5", "--kafka.security.protocol", "SSL");
        assertEquals(
                Map.of("compression.type", "zstd", "linger.ms", "5", "security.protocol", "SSL"),
                invocation.kafkaOverrides());
    }

    @Test
    void badInputIsAUsageErrorNamingTheProblem() {
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--demo.prot", "1"))
                .getMessage()
                .contains("unknown option --demo.prot"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--demo.port", "0"))
                .getMessage()
                .contains("demo.port"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--demo.port", "many"))
                .getMessage()
                .contains("demo.port"));
        assertTrue(assertThrows(UsageException.class, () -> parse(Map.of(), "--demo.name"))
                .getMessage()
                .contains("needs a value"));
        assertTrue(assertThrows(
                        UsageException.class,
                        () -> parse(Map.of(), "--config", dir.resolve("none").toString()))
                .getMessage()
                .contains("cannot read"));
        assertThrows(UsageException.class, () -> parse(Map.of(), "go", "wait").action("go|wait"));
    }

    @Test
    void helpIsGeneratedFromTheDeclarations() {
        assertNull(parse(Map.of(), "go", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.startsWith("Usage: extrema demo go|wait"), help);
        assertTrue(help.contains("A command for tests.\n\n  go     start going\n  wait   do not\n\nSettings"), help);
        for (String expected : List.of(
                "--demo.port <int>",
                "The port to use.",
                "default: 9000",
                "[1,...,65535]",
                "EXTREMA_DEMO_PORT",
                "--demo.name <string>",
                "default: alpha",
                "--demo.verbose <boolean>",
                "EXTREMA_DEMO_VERBOSE",
                "--config <file>",
                "--kafka.<client setting>")) {
            assertTrue(help.contains(expected), "help lacks '" + expected + "':\n" + help);
        }
    }
}
