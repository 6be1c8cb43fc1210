package io.extrema.serving.monitor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prometheus text exposition format (version 0.0.4), written by hand: one family per name with its HELP and TYPE,
 * samples with escaped labels. Names follow extrema_&lt;component&gt;_&lt;metric&gt; (docs/monitoring.md).
 */
public final class PrometheusText {
    private final Map<String, StringBuilder> families = new LinkedHashMap<>();

    /** Adds one sample; the first sample of a name declares its help and type (gauge or counter). */
    public PrometheusText sample(String name, String type, String help, Map<String, String> labels, double value) {
        StringBuilder family = families.computeIfAbsent(
                name,
                n -> new StringBuilder()
                        .append("# HELP ")
                        .append(n)
                        .append(' ')
                        .append(help.replace('\n', ' '))
                        .append('\n')
                        .append("# TYPE ")
                        .append(n)
                        .append(' ')
                        .append(type)
                        .append('\n'));
        family.append(name);
        if (!labels.isEmpty()) {
            family.append('{');
            boolean first = true;
            for (Map.Entry<String, String> label : labels.entrySet()) {
                family.append(first ? "" : ",")
                        .append(sanitise(label.getKey()))
                        .append("=\"")
                        .append(label.getValue()
                                .replace("\\", "\\\\")
                                .replace("\"", "\\\"")
                                .replace("\n", "\\n"))
                        .append('"');
                first = false;
            }
            family.append('}');
        }
        family.append(' ').append(format(value)).append('\n');
        return this;
    }

    public PrometheusText gauge(String name, String help, Map<String, String> labels, double value) {
        return sample(name, "gauge", help, labels, value);
    }

    public PrometheusText counter(String name, String help, Map<String, String> labels, double value) {
        return sample(name, "counter", help, labels, value);
    }

    /** A metric or label name made of [a-zA-Z0-9_] only. */
    public static String sanitise(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            out.append(Character.isLetterOrDigit(c) && c < 128 ? c : '_');
        }
        return out.toString();
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        families.values().forEach(out::append);
        return out.toString();
    }
}
