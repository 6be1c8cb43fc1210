package io.extrema.ops.ingest;

import io.extrema.ingest.IngestConfig;
import io.extrema.ingest.IngestRun;
import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.UsageException;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * {@code extrema ingest PATH | - | watch DIR | http}: images onto the images topic (see docs/ingest.md). The
 * settings are {@link IngestConfig}'s, parsed like every command's; the work and the exit statuses are
 * {@link IngestRun}'s.
 */
public final class IngestCommand implements Command {
    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public String summary() {
        return "Send images (folder, tar/WebDataset shard, stdin, watched folder, HTTP endpoint) to the images topic.";
    }

    @Override
    public String arguments() {
        return "PATH | - | watch DIR | http";
    }

    @Override
    public String details() {
        return """
                  PATH        a folder tree (labels from sub-folders), a tar / tar.gz / WebDataset shard, or one image
                  -           one image from standard input
                  watch DIR   send new files as they appear in DIR, until Ctrl-C
                  http        the HTTP endpoint (POST /images), until Ctrl-C

                Exit status: 0 all sent; 1 images refused (0 with --tolerate.refused); 2 bad usage;
                3 records not acknowledged by Kafka; 4 the source could not be read.
                """;
    }

    @Override
    public ConfigDef settings() {
        // Its progress bar redraws on standard error as images go: no status line besides.
        return ConsoleSettings.defineLog(new ConfigDef(IngestConfig.CONFIG), name());
    }

    /** The originals include the kafka.* settings, which IngestConfig passes to the producer itself. */
    public static IngestConfig config(Invocation invocation) {
        return new IngestConfig(invocation.partSettings());
    }

    @Override
    public int run(Invocation invocation) {
        List<String> args = invocation.arguments();
        String mode = args.isEmpty() ? "" : args.get(0);
        int operands = switch (mode) {
            case "watch" -> 2;
            case "" -> -1;
            default -> 1;
        };
        if (args.size() != operands) {
            throw new UsageException("expected " + arguments() + ", got " + (args.isEmpty() ? "nothing" : args));
        }
        IngestRun run = new IngestRun(config(invocation), System.in, invocation.out(), invocation.err());
        return switch (mode) {
            case "http" -> run.serveHttp();
            case "watch" -> run.watch(Path.of(args.get(1)));
            case "-" -> run.sendStdin();
            default -> run.sendPath(Path.of(mode));
        };
    }
}
