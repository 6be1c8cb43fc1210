package io.extrema.ops.demo;

import io.extrema.ops.cli.CommandLine;
import java.util.List;
import java.util.Map;

/**
 * Test helper JVM: {@code extrema demo} exactly as the launcher runs it (same command, parser and shutdown path),
 * with a trainer network small enough for a test; the trainer settings come as {@code key=value} arguments before
 * a {@code --} and the demo's own after it.
 */
public final class TinyDemoMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> trainer = new java.util.HashMap<>(EndToEndTest.tinyTrainer());
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            trainer.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
        }
        DemoCommand demo = new DemoCommand(trainer);
        List<String> demoArgs = List.of(args).subList(Math.min(i + 1, args.length), args.length);
        System.exit(demo.run(CommandLine.parse(demo, demoArgs, Map.of(), System.out, System.err)));
    }

    private TinyDemoMain() {}
}
