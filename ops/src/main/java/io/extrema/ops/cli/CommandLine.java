package io.extrema.ops.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Turns {@code --name value}, {@code --name=value}, {@code --config file.properties} and {@code EXTREMA_*}
 * environment variables into a validated {@link AbstractConfig} for one command's {@link ConfigDef}.
 *
 * <p>Precedence: command line &gt; environment &gt; config file &gt; default. Names are the config keys themselves
 * ({@code --stack.broker.port 9092}); the environment variable of a key is {@code EXTREMA_} + the key upper-cased
 * with dots and dashes as underscores ({@code EXTREMA_STACK_BROKER_PORT}); on the command line dashes may stand for
 * the dots ({@code --tolerate-refused}). A boolean may be given as a bare flag.
 * Keys starting with {@code kafka.} are accepted from the command line and the file (not the environment, where the
 * underscores could not be mapped back to dots) and passed through to Kafka clients.
 */
public final class CommandLine {

    public static final String ENV_PREFIX = "EXTREMA_";
    public static final String CONFIG_OPTION = "config";

    private CommandLine() {}

    /** The parsed invocation, or null when {@code --help} was asked for (the help is then already printed). */
    public static Invocation parse(
            Command command, List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        ConfigDef def = command.settings();
        Map<String, String> fromCommandLine = new HashMap<>();
        List<String> positional = new ArrayList<>();
        Path configFile = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                out.print(Help.forCommand(command));
                return null;
            }
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!def.configKeys().containsKey(name) && def.configKeys().containsKey(name.replace('-', '.'))) {
                name = name.replace('-', '.'); // --tolerate-refused: dashes for dots, as in the environment names
            }
            boolean known = name.equals(CONFIG_OPTION)
                    || def.configKeys().containsKey(name)
                    || name.startsWith(Invocation.KAFKA_PREFIX);
            if (!known) throw new UsageException("unknown option --" + name + " for 'extrema " + command.name() + "'");
            boolean flag =
                    def.configKeys().containsKey(name) && def.configKeys().get(name).type == ConfigDef.Type.BOOLEAN;
            if (value == null) {
                boolean nextIsValue = i + 1 < args.size() && !args.get(i + 1).startsWith("--");
                if (flag && !(nextIsValue && isBoolean(args.get(i + 1)))) {
                    value = "true";
                } else if (nextIsValue) {
                    value = args.get(++i);
                } else {
                    throw new UsageException("--" + name + " needs a value");
                }
            }
            if (name.equals(CONFIG_OPTION)) {
                configFile = Path.of(value);
            } else {
                fromCommandLine.put(name, value);
            }
        }

        Map<String, Object> merged = new HashMap<>();
        if (configFile != null) merged.putAll(readFile(configFile, def));
        merged.putAll(fromEnvironment(env, def));
        merged.putAll(fromCommandLine);
        try {
            return new Invocation(new AbstractConfig(def, merged, false), positional, out, err);
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The environment variable that sets {@code key}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Map<String, String> fromEnvironment(Map<String, String> env, ConfigDef def) {
        Map<String, String> values = new HashMap<>();
        for (String key : def.names()) {
            String value = env.get(envName(key));
            if (value != null) values.put(key, value);
        }
        return values;
    }

    /** Declared keys and {@code kafka.*} keys; other keys are ignored, so one file can serve every command. */
    private static Map<String, String> readFile(Path file, ConfigDef def) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new UsageException("cannot read --config " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new HashMap<>();
        for (String key : props.stringPropertyNames()) {
            if (def.configKeys().containsKey(key) || key.startsWith(Invocation.KAFKA_PREFIX)) {
                values.put(key, props.getProperty(key).trim());
            }
        }
        return values;
    }

    private static boolean isBoolean(String value) {
        return value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
    }
}
