package io.extrema.ops;

import io.extrema.ops.cli.CommandLine;
import io.extrema.ops.cli.ConsoleSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs an {@code extrema} command line in the test JVM, as the launcher would, and keeps what it printed. */
public final class ExtremaCli {
    /** Exit status and standard output of one run. */
    public record Result(int exit, String out) {}

    private ExtremaCli() {}

    public static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>(System.getenv());
        // the commands' logs in the build folder, not the source tree (a test's --log.file still wins)
        env.putIfAbsent(CommandLine.envName(ConsoleSettings.LOG_FILE), "target/extrema-cli.log");
        int exit = Extrema.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        return new Result(exit, text);
    }
}
