package io.extrema.ops.demo;

import io.extrema.ops.cli.CommandLine;
import io.extrema.stack.StackSettings;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * The command line of a child JVM running this demo on its own stack in {@code stack}'s directory: the given
     * trainer settings ({@code key=value}), then the demo's own {@code --stack.*}, data and work directory, then
     * {@code demoArgs}.
     */
    static List<String> command(StackSettings stack, Path work, List<String> trainerSettings, String... demoArgs) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro",
                "-Dai.djl.offline=true",
                // one libtorch thread: the tiny network gains nothing from more on a shared machine
                "-Dai.djl.pytorch.num_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                TinyDemoMain.class.getName()));
        command.addAll(trainerSettings);
        command.addAll(List.of(
                "--",
                "--stack.dir",
                stack.stateDir().toString(),
                "--stack.broker.port",
                String.valueOf(stack.brokerPort()),
                "--stack.controller.port",
                String.valueOf(stack.controllerPort()),
                "--stack.registry.port",
                String.valueOf(stack.registryPort()),
                "--stack.registry.management.port",
                String.valueOf(stack.registryManagementPort()),
                // share one unpacked registry between test runs
                "--stack.registry.home",
                Path.of("target/extrema-stack/registry").toAbsolutePath().toString(),
                "--data",
                SampleData.require().resolve("train.tar.gz").toString(),
                "--work.dir",
                work.toString(),
                "--dashboard.port",
                "0"));
        command.addAll(List.of(demoArgs));
        return command;
    }

    private TinyDemoMain() {}
}
