package io.extrema.ops;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.CommandLine;
import io.extrema.ops.cli.CommandLog;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Help;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.UsageException;
import io.extrema.ops.stack.StackCommand;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code extrema} command line: {@code extrema <command> [arguments] [--setting value ...]}. */
public final class Extrema {

    /** Every subcommand; adding one is one class plus one line here. */
    static List<Command> commands() {
        return List.of(
                new io.extrema.ops.demo.DemoCommand(),
                new StackCommand(),
                new io.extrema.ops.ingest.IngestCommand(),
                new io.extrema.ops.monitor.MonitorCommand(),
                new io.extrema.ops.dashboard.DashboardCommand(),
                new io.extrema.ops.serve.ServeCommand(),
                new io.extrema.ops.train.TrainCommand(),
                new io.extrema.ops.eval.EvalCommand(),
                new ConfigDocsCommand(Extrema::commands));
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.getenv(), System.out, System.err));
    }

    /** Runs one command line and returns the exit code: 0 ok, 1 failed, 2 bad usage (others per command). */
    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<Command> commands = commands();
        if (args.isEmpty()
                || args.get(0).equals("--help")
                || args.get(0).equals("-h")
                || args.get(0).equals("help")) {
            (args.isEmpty() ? err : out).print(Help.forProgram(commands));
            return args.isEmpty() ? 2 : 0;
        }
        String name = args.get(0);
        Optional<Command> command =
                commands.stream().filter(c -> c.name().equals(name)).findFirst();
        if (command.isEmpty()) {
            err.println("extrema: unknown command '" + name + "'");
            err.print(Help.forProgram(commands));
            return 2;
        }
        try {
            Invocation invocation = CommandLine.parse(command.get(), args.subList(1, args.size()), env, out, err);
            if (invocation == null) return 0;
            if (invocation.settings().values().containsKey(ConsoleSettings.LOG_FILE)) {
                Path log = CommandLog.route(Path.of(invocation.settings().getString(ConsoleSettings.LOG_FILE)));
                err.println("extrema " + name + ": log file " + log);
            }
            return command.get().run(invocation);
        } catch (UsageException e) {
            err.println("extrema " + name + ": " + e.getMessage());
            err.println("Try 'extrema " + name + " --help'.");
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("extrema " + name + ": interrupted");
            return 130;
        } catch (Exception e) {
            err.println("extrema " + name + ": " + e.getMessage());
            return 1;
        }
    }

    private Extrema() {}
}
