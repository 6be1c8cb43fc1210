package io.extrema.ops.cli;

import io.extrema.schemas.ClientSettings;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;

/**
 * A parsed command line: the validated settings, the positional arguments and where to print.
 *
 * @param settings    every declared setting, resolved: command line > environment > config file > default
 * @param arguments   positional arguments (e.g. {@code start})
 * @param out         normal output
 * @param err         errors and diagnostics
 */
public record Invocation(AbstractConfig settings, List<String> arguments, PrintStream out, PrintStream err) {

    /** Prefix of settings handed to Kafka clients unchanged (after the prefix): {@code --kafka.linger.ms=5}. */
    public static final String KAFKA_PREFIX = ClientSettings.KAFKA_PREFIX;

    public Invocation {
        arguments = List.copyOf(arguments);
    }

    /** Every {@code kafka.*} setting with the prefix stripped: put these into producer/consumer/admin configs last. */
    public Map<String, Object> kafkaOverrides() {
        return settings.originalsWithPrefix(KAFKA_PREFIX);
    }

    /**
     * The settings as given, {@code kafka.*} included, without the console's own ({@link ConsoleSettings}): what a
     * command hands to the part it runs, whose config classes pass undeclared keys on to Kafka.
     */
    public Map<String, Object> partSettings() {
        return ConsoleSettings.withoutConsole(settings.originals());
    }

    /** The single positional argument, or a usage error naming the choices. */
    public String action(String choices) {
        if (arguments.size() != 1) throw new UsageException("expected one of " + choices + ", got " + arguments);
        return arguments.get(0);
    }
}
