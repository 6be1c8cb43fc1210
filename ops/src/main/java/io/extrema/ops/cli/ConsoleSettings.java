package io.extrema.ops.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * What a command prints and where its logs go, declared once for every command that adds them to its settings:
 * the log file that takes every library message ({@link CommandLog}) and the interval of a long-running command's
 * status line ({@link StatusLine}).
 */
public final class ConsoleSettings {
    public static final String LOG_FILE = "log.file";
    public static final String STATUS_SECONDS = "status.interval.seconds";
    /** Beside the local stack's and the demo's state, so one folder holds everything a run leaves behind. */
    static final String LOG_DIR = ".extrema/logs";

    private static final List<String> KEYS = List.of(LOG_FILE, STATUS_SECONDS);

    private ConsoleSettings() {}

    /** Adds {@link #LOG_FILE}, by default {@code .extrema/logs/<command>.log}, to {@code def}. */
    public static ConfigDef defineLog(ConfigDef def, String command) {
        return def.define(
                LOG_FILE,
                Type.STRING,
                LOG_DIR + "/" + command + ".log",
                new ConfigDef.NonEmptyString(),
                Importance.LOW,
                "File that takes every log line, Kafka's, DJL's and the other libraries' included "
                        + "(relative to the working directory). The terminal shows only warnings and errors of our own "
                        + "and library errors; the file's path is printed at start.");
    }

    /** {@link #defineLog} plus {@link #STATUS_SECONDS}: for a command that runs until it is stopped or done. */
    public static ConfigDef defineLongRunning(ConfigDef def, String command) {
        return defineLog(def, command)
                .define(
                        STATUS_SECONDS,
                        Type.INT,
                        5,
                        Range.atLeast(0),
                        Importance.LOW,
                        "Seconds between status lines on standard output; 0 prints none.");
    }

    /** {@code settings} without the console's own keys: what a command hands to the part it runs. */
    static Map<String, Object> withoutConsole(Map<String, Object> settings) {
        Map<String, Object> part = new HashMap<>(settings);
        KEYS.forEach(part::remove);
        return part;
    }
}
