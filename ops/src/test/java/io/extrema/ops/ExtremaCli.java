package io.extrema.ops;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs an {@code extrema} command line in the test JVM, as the launcher would, and keeps what it printed. */
public final class ExtremaCli {
    /** Exit status and standard output of one run. */
    public record Result(int exit, String out) {}

    private ExtremaCli() {}

    public static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = Extrema.run(List.of(args), System.getenv(), new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        return new Result(exit, text);
    }
}
