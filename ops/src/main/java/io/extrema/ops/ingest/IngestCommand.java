package io.extrema.ops.ingest;

import io.extrema.ingest.IngestCli;
import io.extrema.ingest.IngestConfig;
import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.Invocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * {@code extrema ingest PATH | - | watch DIR | http}: images onto the images topic (see docs/ingest.md). The
 * settings are {@link IngestConfig}'s; the work and the exit codes are {@link IngestCli}'s.
 */
public final class IngestCommand implements Command {
    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public String summary() {
        return "send images (folder, tar/WebDataset shard, stdin, watched folder, HTTP endpoint) to the images topic";
    }

    @Override
    public String arguments() {
        return "PATH | - | watch DIR | http";
    }

    @Override
    public ConfigDef settings() {
        return IngestConfig.CONFIG;
    }

    @Override
    public int run(Invocation invocation) {
        List<String> args = new ArrayList<>();
        for (String a : invocation.arguments()) { // modes are words here: extrema ingest watch DIR / extrema ingest http
            args.add(a.equals("watch") || a.equals("http") ? "--" + a : a);
        }
        // originals include the kafka.* settings, which IngestConfig passes to the producer itself
        for (Map.Entry<String, ?> e : invocation.settings().originals().entrySet()) {
            if (e.getValue() != null) args.add("--" + e.getKey() + "=" + e.getValue());
        }
        return new IngestCli(System.in, invocation.out(), invocation.err()).run(args.toArray(String[]::new));
    }
}
