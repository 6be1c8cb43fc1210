package io.extrema.serving.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * {@code GET /metrics} (a handler on the service's HTTP server) in the Prometheus text format, from Kafka metric registries: Kafka Streams' own
 * ({@code KafkaStreams.metrics()}, which include its consumer, producer and admin clients) and the service's. The
 * JDK's HTTP server is enough for a scrape every few seconds and adds no dependency.
 */
public final class PrometheusHandler implements HttpHandler {
    private final List<Supplier<Map<MetricName, ? extends Metric>>> sources;

    /**
     * @param sources each called on every scrape, so metrics registered later (new tasks, threads) appear
     */
    public PrometheusHandler(List<Supplier<Map<MetricName, ? extends Metric>>> sources) {
        this.sources = sources;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        respond(exchange, render(sources));
    }

    /** Kafka metric names to Prometheus families: {@code <group>_<name>} with tags as labels, numeric values only. */
    public static String render(List<Supplier<Map<MetricName, ? extends Metric>>> sources) {
        Map<String, List<String>> families = new TreeMap<>();
        Map<String, String> help = new TreeMap<>();
        for (Supplier<Map<MetricName, ? extends Metric>> source : sources) {
            for (Map.Entry<MetricName, ? extends Metric> e : source.get().entrySet()) {
                if (!(e.getValue().metricValue() instanceof Number value)) {
                    continue; // app-info strings such as the client version are not samples
                }
                MetricName n = e.getKey();
                String family = sanitize(n.group() + "_" + n.name());
                help.putIfAbsent(family, n.description());
                families.computeIfAbsent(family, k -> new ArrayList<>())
                        .add(family + labels(n.tags()) + " " + format(value.doubleValue()));
            }
        }
        StringBuilder out = new StringBuilder();
        families.forEach((family, samples) -> {
            out.append("# HELP ")
                    .append(family)
                    .append(' ')
                    .append(help.get(family).replace("\\", "\\\\").replace("\n", " "))
                    .append('\n');
            out.append("# TYPE ").append(family).append(family.endsWith("_total") ? " counter\n" : " gauge\n");
            samples.stream().distinct().forEach(s -> out.append(s).append('\n'));
        });
        return out.toString();
    }

    private static String labels(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("{");
        new TreeMap<>(tags).forEach((k, v) -> {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(sanitize(k))
                    .append("=\"")
                    .append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
                    .append('"');
        });
        return sb.append('}').toString();
    }

    private static String sanitize(String name) {
        return name.replaceAll("[^a-zA-Z0-9_]", "_");
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(v);
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }
}
