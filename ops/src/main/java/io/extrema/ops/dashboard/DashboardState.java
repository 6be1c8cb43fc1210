package io.extrema.ops.dashboard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Everything the page shows, bounded: recent records per topic, recent embeddings for the map, recent image bytes
 * for thumbnails. Each new record is also pushed to the subscribed event streams as a Server-Sent Event.
 */
final class DashboardState {
    /** Image bytes and how to serve them. */
    record Thumbnail(String contentType, byte[] bytes) {}

    private static final int RATE_BUCKET_MS = 5_000;
    private static final int RATE_BUCKETS = 360;

    private final int history;
    private final int mapPoints;
    private final int thumbnailCount;
    private final Deque<Map<String, Object>> metrics = new ArrayDeque<>();
    private final Deque<Map<String, Object>> monitor = new ArrayDeque<>();
    private final Deque<Map<String, Object>> alerts = new ArrayDeque<>();
    private final Deque<Map<String, Object>> models = new ArrayDeque<>();
    private final Deque<EmbeddingMap.Point> points = new ArrayDeque<>();
    private final TreeMap<Long, Long> embeddedPerBucket = new TreeMap<>();
    private final Map<String, Thumbnail> thumbnails;
    private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();
    private long pointsChanged;
    private long decodeErrors;

    DashboardState(int history, int mapPoints, int thumbnailCount) {
        this.history = history;
        this.mapPoints = mapPoints;
        this.thumbnailCount = thumbnailCount;
        this.thumbnails = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Thumbnail> eldest) {
                return size() > DashboardState.this.thumbnailCount;
            }
        };
    }

    void addMetrics(Map<String, Object> m) {
        append(metrics, m, history, "metrics");
    }

    void addMonitor(Map<String, Object> w) {
        append(monitor, w, history, "monitor");
    }

    void addAlert(Map<String, Object> a) {
        append(alerts, a, Math.min(history, 500), "alert");
    }

    void addModel(Map<String, Object> m) {
        append(models, m, Math.min(history, 500), "model");
    }

    synchronized void addEmbedding(EmbeddingMap.Point point, long processingTime) {
        points.addLast(point);
        while (points.size() > mapPoints) {
            points.removeFirst();
        }
        pointsChanged++;
        embeddedPerBucket.merge(processingTime / RATE_BUCKET_MS, 1L, Long::sum);
        while (embeddedPerBucket.size() > RATE_BUCKETS) {
            embeddedPerBucket.pollFirstEntry();
        }
    }

    synchronized void addThumbnail(String id, Thumbnail thumbnail) {
        if (thumbnailCount > 0) {
            thumbnails.put(id, thumbnail);
        }
    }

    synchronized Thumbnail thumbnail(String id) {
        return thumbnails.get(id);
    }

    synchronized void decodeError() {
        decodeErrors++;
    }

    /**
     * Embeddings per second, per 5-second bucket of their processing time: [[time, rate], ...]. The bucket still
     * filling is left out, so the latest figure is never a partial count.
     */
    synchronized List<List<Object>> embeddedRate() {
        long filling = System.currentTimeMillis() / RATE_BUCKET_MS;
        List<List<Object>> rate = new ArrayList<>();
        embeddedPerBucket
                .headMap(filling)
                .forEach((bucket, n) -> rate.add(List.of(bucket * RATE_BUCKET_MS, n * 1000.0 / RATE_BUCKET_MS)));
        return rate;
    }

    /** A change counter of the map's points, so the map is recomputed only when they changed. */
    synchronized long pointsVersion() {
        return pointsChanged;
    }

    synchronized Map<String, Object> map() {
        return EmbeddingMap.project(new ArrayList<>(points));
    }

    synchronized Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("metrics", new ArrayList<>(metrics));
        s.put("monitor", new ArrayList<>(monitor));
        s.put("alerts", new ArrayList<>(alerts));
        s.put("models", new ArrayList<>(models));
        s.put("embedded", embeddedRate());
        s.put("map", EmbeddingMap.project(new ArrayList<>(points)));
        s.put("decodeErrors", decodeErrors);
        return s;
    }

    synchronized Map<String, Object> latestMetrics() {
        return metrics.peekLast();
    }

    synchronized List<Map<String, Object>> latestMonitorPerSource() {
        Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
        monitor.forEach(w -> latest.put((String) w.get("source"), w));
        return new ArrayList<>(latest.values());
    }

    synchronized Map<String, Long> alertCounts() {
        Map<String, Long> counts = new TreeMap<>();
        alerts.forEach(a -> counts.merge(a.get("rule") + "|" + a.get("severity"), 1L, Long::sum));
        return counts;
    }

    /** Open pages and the records held per topic, for the command's status line. */
    synchronized String status() {
        Map<String, Object> latest = metrics.peekLast();
        return "pages open " + subscribers.size() + "  | metrics " + metrics.size()
                + (latest == null ? "" : " (step " + latest.get("step") + ")") + ", model versions " + models.size()
                + ", monitor windows " + monitor.size() + ", alerts " + alerts.size() + ", map points " + points.size();
    }

    void subscribe(Consumer<String> subscriber) {
        subscribers.add(subscriber);
    }

    void unsubscribe(Consumer<String> subscriber) {
        subscribers.remove(subscriber);
    }

    /** Sends one named event with a JSON payload to every open event stream. */
    void publish(String event, Object payload) {
        String message = "event: " + event + "\ndata: " + Json.write(payload) + "\n\n";
        subscribers.forEach(s -> s.accept(message));
    }

    private void append(Deque<Map<String, Object>> deque, Map<String, Object> item, int bound, String event) {
        synchronized (this) {
            deque.addLast(item);
            while (deque.size() > bound) {
                deque.removeFirst();
            }
        }
        publish(event, item);
    }
}
