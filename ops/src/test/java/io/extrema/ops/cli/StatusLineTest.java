package io.extrema.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StatusLineTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

    private List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void aLineEveryIntervalWhatTheSupplierSaysAFailingFigureIncludedAndNoneAfterClose() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        StatusLine status = StatusLine.start(print, 1, () -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("not started yet");
            return "step " + calls.get();
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (lines().size() < 3 && System.nanoTime() < deadline) Thread.sleep(100);
        status.close();
        int printed = lines().size();
        assertTrue(printed >= 3, "lines: " + lines());
        assertEquals("status unavailable: java.lang.IllegalStateException: not started yet", lines().get(0));
        assertEquals("step 2", lines().get(1));
        assertEquals("step 3", lines().get(2));
        Thread.sleep(1500);
        assertEquals(printed, lines().size(), "a line after close: " + lines());
    }

    @Test
    void zeroSecondsPrintsNothing() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (StatusLine status = StatusLine.start(print, 0, () -> "call " + calls.incrementAndGet())) {
            Thread.sleep(1200);
        }
        assertEquals(0, calls.get());
        assertEquals(List.of(), lines());
    }
}
