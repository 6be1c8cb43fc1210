package io.extrema.ops.cli;

import org.apache.kafka.common.config.ConfigDef;

/**
 * One {@code extrema <name>} subcommand. Its settings are declared once in {@link #settings()} (type, default,
 * validator, doc): the command line, environment and config file are parsed against them and {@code --help} is
 * generated from them. Keys starting with {@code kafka.} are always accepted and passed to Kafka clients with the
 * prefix stripped ({@link Invocation#kafkaOverrides()}).
 *
 * <p>A long-running command (serve, train, monitor...) blocks in {@link #run} and closes its resources on Ctrl-C /
 * SIGTERM with {@link Termination#awaitSignal}.
 */
public interface Command {

    /** The word after {@code extrema}, e.g. {@code stack}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Positional arguments in the usage line, e.g. {@code start|stop|status}; empty if none. */
    default String arguments() {
        return "";
    }

    /** What the positional arguments mean, exit statuses and the like, for {@code --help}; empty if nothing. */
    default String details() {
        return "";
    }

    /** Every setting the command reads. */
    ConfigDef settings();

    /** Runs the command; the result is the process exit code. */
    int run(Invocation invocation) throws Exception;
}
