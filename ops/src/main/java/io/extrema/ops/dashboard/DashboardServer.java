package io.extrema.ops.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.extrema.serving.monitor.PrometheusText;
import io.extrema.trainer.metrics.TrainerMetric;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The dashboard: the JDK's HTTP server serving the static page and its chart library from the class path, a JSON
 * snapshot, a Server-Sent Events stream of new records, thumbnails by image id and a Prometheus page of the
 * figures read from the topics. Owns the topic feed; closing it closes everything.
 */
public final class DashboardServer implements AutoCloseable {
    /** The chart library's path inside its WebJar; the page loads it from here, never from the internet. */
    static final String ECHARTS = "/webjars/echarts/5.3.1/dist/echarts.min.js";

    private static final Map<String, String> TYPES = Map.of(
            "html",
            "text/html; charset=utf-8",
            "js",
            "text/javascript; charset=utf-8",
            "css",
            "text/css; charset=utf-8",
            "svg",
            "image/svg+xml");

    /** Which field of a metrics record ({@link Json#metrics}) each re-exported trainer metric reads. */
    private static final List<Map.Entry<TrainerMetric, String>> TRAINER_FIELDS = List.of(
            Map.entry(TrainerMetric.STEP, "step"),
            Map.entry(TrainerMetric.LOSS, "loss"),
            Map.entry(TrainerMetric.LEARNING_RATE, "lr"),
            Map.entry(TrainerMetric.IMAGES_CONSUMED_PER_SECOND, "consumed"),
            Map.entry(TrainerMetric.IMAGES_TRAINED_PER_SECOND, "trained"),
            Map.entry(TrainerMetric.CONSUMER_LAG, "lag"),
            Map.entry(TrainerMetric.MODEL_VERSION, "version"),
            Map.entry(TrainerMetric.EMBEDDING_STD, "embeddingStd"),
            Map.entry(TrainerMetric.PROBE_ACCURACY, "probe"));

    private final DashboardState state;
    private final TopicFeed feed;
    private final HttpServer http;
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> daemon(r, "dashboard-http"));
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "dashboard-tick"));

    public DashboardServer(DashboardConfig config, Map<String, Object> kafkaOverrides) throws IOException {
        state = new DashboardState(
                config.getInt(DashboardConfig.HISTORY),
                config.getInt(DashboardConfig.MAP_POINTS),
                config.getInt(DashboardConfig.THUMBNAILS));
        feed = new TopicFeed(config, kafkaOverrides, state);
        http = HttpServer.create(
                new InetSocketAddress(config.getString(DashboardConfig.HOST), config.getInt(DashboardConfig.PORT)), 50);
        http.setExecutor(handlers);
        http.createContext("/", this::page);
        http.createContext(
                "/webjars/",
                exchange -> resource(
                        exchange,
                        "META-INF/resources" + exchange.getRequestURI().getPath()));
        http.createContext("/api/snapshot", exchange -> json(exchange, state.snapshot()));
        http.createContext("/events", this::events);
        http.createContext("/thumb/", this::thumbnail);
        http.createContext("/metrics", this::prometheus);
    }

    public DashboardServer start() {
        feed.start();
        http.start();
        // The map changes with every embedding: push it at most every 2 s, when changed. The embedded rate gains
        // a bucket every 5 s whether or not embeddings still arrive.
        long[] seen = {-1};
        ticker.scheduleWithFixedDelay(
                () -> {
                    long version = state.pointsVersion();
                    if (version != seen[0]) {
                        seen[0] = version;
                        state.publish("map", state.map());
                    }
                },
                1,
                2,
                TimeUnit.SECONDS);
        ticker.scheduleWithFixedDelay(() -> state.publish("embedded", state.embeddedRate()), 1, 5, TimeUnit.SECONDS);
        // A comment line keeps idle event streams open through proxies.
        ticker.scheduleAtFixedRate(() -> state.publish("ping", System.currentTimeMillis()), 15, 15, TimeUnit.SECONDS);
        return this;
    }

    /** The address the page is served on. */
    public String url() {
        InetSocketAddress a = http.getAddress();
        return "http://" + a.getHostString() + ":" + a.getPort() + "/";
    }

    /** One line: open pages and what has been read from the topics. */
    public String status() {
        return state.status();
    }

    private void page(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        resource(exchange, "dashboard" + (path.equals("/") ? "/index.html" : path));
    }

    private void resource(HttpExchange exchange, String name) throws IOException {
        if (name.contains("..")) {
            send(exchange, 400, "text/plain", "bad path".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = DashboardServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                send(exchange, 404, "text/plain", ("not found: " + name).getBytes(StandardCharsets.UTF_8));
                return;
            }
            String ext = name.substring(name.lastIndexOf('.') + 1);
            exchange.getResponseHeaders().set("Cache-Control", "max-age=60");
            send(exchange, 200, TYPES.getOrDefault(ext, "application/octet-stream"), in.readAllBytes());
        }
    }

    private void json(HttpExchange exchange, Object value) throws IOException {
        send(exchange, 200, "application/json", Json.write(value).getBytes(StandardCharsets.UTF_8));
    }

    private void thumbnail(HttpExchange exchange) throws IOException {
        String id = exchange.getRequestURI().getPath().substring("/thumb/".length());
        DashboardState.Thumbnail thumb = state.thumbnail(id);
        if (thumb == null) {
            send(
                    exchange,
                    404,
                    "text/plain",
                    ("no image " + id + " in the recent cache").getBytes(StandardCharsets.UTF_8));
        } else {
            exchange.getResponseHeaders().set("Cache-Control", "max-age=3600");
            send(exchange, 200, thumb.contentType(), thumb.bytes());
        }
    }

    /** One Server-Sent Events stream: a queue per client, written by this handler thread until the client leaves. */
    private void events(HttpExchange exchange) throws IOException {
        LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>(10_000);
        Consumer<String> subscriber = queue::offer;
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        state.subscribe(subscriber);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String message = queue.poll(15, TimeUnit.SECONDS);
                out.write((message == null ? ": keep-alive\n\n" : message).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException clientLeft) {
            // The browser closed the stream (page closed or reloaded): nothing to do but unsubscribe.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state.unsubscribe(subscriber);
        }
    }

    /** The topic figures as Prometheus metrics (docs/monitoring.md), for setups that scrape the dashboard. */
    private void prometheus(HttpExchange exchange) throws IOException {
        PrometheusText out = new PrometheusText();
        Map<String, Object> m = state.latestMetrics();
        if (m != null) {
            trainerMetrics(out, m);
        }
        for (Map<String, Object> w : state.latestMonitorPerSource()) {
            Map<String, String> labels =
                    Map.of("source", String.valueOf(w.get("source")), "model", String.valueOf(w.get("model")));
            gauge(
                    out,
                    "extrema_monitor_spread_ratio",
                    "spread * sqrt(dimension) of the latest window.",
                    labels,
                    w.get("spreadRatio"));
            gauge(
                    out,
                    "extrema_monitor_drift_baseline",
                    "Centroid cosine distance to the baseline.",
                    labels,
                    w.get("driftBaseline"));
            gauge(
                    out,
                    "extrema_monitor_drift_previous",
                    "Centroid cosine distance to the previous window.",
                    labels,
                    w.get("driftPrevious"));
            gauge(
                    out,
                    "extrema_monitor_dead_letter_share",
                    "Dead-lettered share of the latest window.",
                    labels,
                    w.get("deadLetterShare"));
        }
        state.alertCounts().forEach((key, n) -> {
            String[] parts = key.split("\\|");
            out.gauge(
                    "extrema_dashboard_alerts_recent",
                    "Alerts in the dashboard's recent history.",
                    Map.of("rule", parts[0], "severity", parts[1]),
                    n);
        });
        send(
                exchange,
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The latest metrics record's figures under the trainer's own names, types and help ({@link TrainerMetric}),
     * labelled by model: a dashboard scrape and a trainer scrape mean the same thing.
     */
    static void trainerMetrics(PrometheusText out, Map<String, Object> m) {
        Map<String, String> model = Map.of("model", String.valueOf(m.get("model")));
        for (Map.Entry<TrainerMetric, String> e : TRAINER_FIELDS) {
            if (m.get(e.getValue()) instanceof Number n) {
                TrainerMetric metric = e.getKey();
                out.sample(metric.metricName(), metric.type().text(), metric.help(), model, n.doubleValue());
            }
        }
    }

    private static void gauge(PrometheusText out, String name, String help, Map<String, String> labels, Object value) {
        if (value instanceof Number n) {
            out.gauge(name, help, labels, n.doubleValue());
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() throws InterruptedException {
        ticker.shutdownNow();
        http.stop(0);
        handlers.shutdownNow();
        feed.close();
    }
}
