package io.extrema.ops.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.ingest.IngestConfig;
import io.extrema.ingest.IngestRun;
import io.extrema.ops.ExtremaCli;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code extrema ingest} is parsed like every command (help, unknown options, bad values) and prints its summary
 * like them. No broker is needed: nothing here reaches one.
 */
class IngestCommandTest {
    /** Nothing listens on port 1: the producer is created but never gets to send. */
    private static final List<String> NOWHERE =
            List.of("--bootstrap.servers", "127.0.0.1:1", "--schema.registry.url", "http://127.0.0.1:1");

    private static ExtremaCli.Result ingest(String... args) {
        List<String> all = new ArrayList<>(List.of("ingest"));
        all.addAll(List.of(args));
        all.addAll(NOWHERE);
        return ExtremaCli.run(all.toArray(String[]::new));
    }

    @Test
    void helpComesFromTheDeclarationsAndExplainsTheArgumentsAndExitStatuses() {
        ExtremaCli.Result help = ExtremaCli.run("ingest", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: extrema ingest PATH | - | watch DIR | http"), help.out());
        for (String name : IngestConfig.CONFIG.names()) assertTrue(help.out().contains("--" + name + " <"), name);
        assertTrue(
                help.out().contains("watch DIR   send new files")
                        && help.out().contains("4 the source could not be read"),
                help.out());
    }

    @Test
    void badUsageExitsWithTwo() {
        assertEquals(2, ingest("--no.such.setting=1", "x").exit());
        assertEquals(2, ingest("--rate=-1", "x").exit());
        assertEquals(2, ingest().exit(), "no source");
        assertEquals(2, ingest("watch").exit(), "watch without a folder");
        assertEquals(2, ingest("a", "b").exit(), "two sources");
        assertEquals(2, ingest("http", "x").exit(), "http takes no path");
    }

    @Test
    void anUnreadableSourceExitsWithFourAndTheSummaryStartsLikeEveryCommandsOutput() {
        ExtremaCli.Result result = ingest("/does/not/exist", "--tolerate-refused");
        assertEquals(IngestRun.SOURCE, result.exit());
        assertTrue(result.out().startsWith("Sent 0 images, 0.0 MB in "), result.out());
        assertTrue(result.out().contains("\nRefused 0\n"), result.out());
    }
}
