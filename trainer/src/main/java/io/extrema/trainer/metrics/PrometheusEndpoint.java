package io.extrema.trainer.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} in the Prometheus text exposition format (version 0.0.4), served by the JDK's HTTP server on
 * loopback. Values are read when scraped, so the endpoint costs nothing between scrapes.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private final HttpServer server;

    public PrometheusEndpoint(int port, Supplier<List<Sample>> samples) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                byte[] body = render(samples.get()).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    static String render(List<Sample> samples) {
        StringBuilder sb = new StringBuilder();
        for (Sample s : samples) {
            sb.append("# HELP ")
                    .append(s.name())
                    .append(' ')
                    .append(s.help().replace("\n", " "))
                    .append('\n');
            sb.append("# TYPE ").append(s.name()).append(' ').append(s.kind()).append('\n');
            sb.append(s.name()).append(' ').append(format(s.value())).append('\n');
        }
        return sb.toString();
    }

    private static String format(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        return Double.toString(v);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
