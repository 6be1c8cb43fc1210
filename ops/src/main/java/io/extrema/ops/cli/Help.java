package io.extrema.ops.cli;

import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;

/** {@code --help} text generated from the commands' {@link ConfigDef} declarations: nothing is written twice. */
public final class Help {

    private static final int WIDTH = 100;

    private Help() {}

    public static String forProgram(List<Command> commands) {
        StringBuilder text =
                new StringBuilder("Usage: extrema <command> [arguments] [--setting value ...]\n\nCommands:\n");
        for (Command c : commands) text.append(String.format("  %-12s %s%n", c.name(), c.summary()));
        text.append("\nRun 'extrema <command> --help' for the settings of a command.\n");
        return text.toString();
    }

    public static String forCommand(Command command) {
        StringBuilder text = new StringBuilder();
        text.append("Usage: extrema ").append(command.name());
        if (!command.arguments().isEmpty()) text.append(' ').append(command.arguments());
        text.append(" [--setting value ...]\n\n").append(command.summary()).append("\n\n");
        if (!command.details().isEmpty())
            text.append(command.details().stripTrailing()).append("\n\n");
        text.append("Settings (command line > environment > --config file > default):\n");
        for (ConfigDef.ConfigKey key : command.settings().configKeys().values()) {
            text.append("\n  --")
                    .append(key.name)
                    .append(" <")
                    .append(key.type.name().toLowerCase(Locale.ROOT))
                    .append(">\n");
            wrap(text, key.documentation, "      ");
            StringBuilder facts = new StringBuilder("default: ").append(defaultText(key));
            if (key.validator != null) facts.append("; valid: ").append(key.validator);
            facts.append("; env: ").append(CommandLine.envName(key.name));
            wrap(text, facts.toString(), "      ");
        }
        text.append("\n  --config <file>\n");
        wrap(
                text,
                "A Java properties file of settings (keys as above, kafka.* included); keys this command does "
                        + "not declare are ignored, so one file can serve every command.",
                "      ");
        text.append("\n  --kafka.<client setting> <value>\n");
        wrap(
                text,
                "Passed to the Kafka clients with the 'kafka.' prefix stripped, e.g. --kafka.linger.ms=5 or "
                        + "--kafka.security.protocol=SASL_SSL; applied after the command's own client settings.",
                "      ");
        return text.toString();
    }

    private static String defaultText(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) return "(required)";
        if (key.defaultValue == null) return "(none)";
        String value = ConfigDef.convertToString(key.defaultValue, key.type);
        return value.isEmpty() ? "\"\"" : value;
    }

    private static void wrap(StringBuilder text, String words, String indent) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : words.split("\\s+")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                text.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length()) line.append(' ');
            line.append(word);
        }
        if (line.length() > indent.length()) text.append(line).append('\n');
    }
}
