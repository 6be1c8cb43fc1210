package io.extrema.serving.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.extrema.model.Rows;
import io.extrema.schemas.avro.EmbeddingRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries over the {@value IndexProcessor#STORE} store, across every instance of the application:
 * <ul>
 *   <li>{@code GET /embeddings/{id}}: the image's latest embedding, from whichever instance owns its partition;</li>
 *   <li>{@code GET /embeddings/{id}/nearest?k=10}: the k stored embeddings nearest to it by cosine similarity,
 *   among embeddings made by the same model version (vectors of different versions are not comparable), merged
 *   from every instance's local store.</li>
 * </ul>
 * Instances find each other through Kafka Streams' metadata ({@code application.server}); {@code ?local=true}
 * and {@code POST /embeddings/_scan} are the instance-to-instance calls.
 */
public final class EmbeddingQueries implements HttpHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newHttpClient();

    public EmbeddingQueries(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath().substring("/embeddings/".length());
            Map<String, String> query = query(exchange.getRequestURI());
            if (path.equals("_scan") && exchange.getRequestMethod().equals("POST")) {
                float[] vector;
                try (InputStream in = exchange.getRequestBody()) {
                    vector = JSON.readValue(in, float[].class);
                }
                respond(
                        exchange,
                        200,
                        localNearest(
                                vector,
                                query.get("model"),
                                Long.parseLong(query.get("version")),
                                query.get("exclude"),
                                Integer.parseInt(query.get("k"))));
            } else if (path.endsWith("/nearest")) {
                String id = URLDecoder.decode(
                        path.substring(0, path.length() - "/nearest".length()), StandardCharsets.UTF_8);
                Map<String, Object> target = lookup(id);
                if (target == null) {
                    respond(exchange, 404, Map.of("error", "no embedding for " + id));
                    return;
                }
                int k = Integer.parseInt(query.getOrDefault("k", "10"));
                respond(exchange, 200, nearest(target, k));
            } else {
                String id = URLDecoder.decode(path, StandardCharsets.UTF_8);
                Map<String, Object> found = "true".equals(query.get("local")) ? local(id) : lookup(id);
                if (found == null) {
                    respond(exchange, 404, Map.of("error", "no embedding for " + id));
                } else {
                    respond(exchange, 200, found);
                }
            }
        } catch (RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // Typically a rebalance in progress: the store is briefly unavailable.
            respond(exchange, 503, Map.of("error", String.valueOf(e.getMessage())));
        } finally {
            exchange.close();
        }
    }

    /** The image's embedding from the instance that owns its partition, or null. */
    private Map<String, Object> lookup(String id) throws IOException, InterruptedException {
        KeyQueryMetadata owner = streams.queryMetadataForKey(IndexProcessor.STORE, id, new StringSerializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw new IllegalStateException("the owner of " + id + " is not known yet");
        }
        if (owner.activeHost().equals(self)) {
            return local(id);
        }
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + owner.activeHost().host()
                                + ":" + owner.activeHost().port() + "/embeddings/"
                                + URLEncoder.encode(id, StandardCharsets.UTF_8)
                                + "?local=true"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException(owner.activeHost() + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readValue(r.body(), Map.class);
    }

    private Map<String, Object> local(String id) {
        EmbeddingRecord e = store().get(id);
        if (e == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("imageId", e.getImageId());
        out.put("modelName", e.getModelName());
        out.put("modelVersion", e.getModelVersion());
        out.put("modelStep", e.getModelStep());
        out.put("normalized", e.getNormalized());
        out.put("source", e.getSource());
        out.put("label", e.getLabel());
        out.put("instance", e.getInstance());
        out.put("servedBy", self.host() + ":" + self.port());
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> nearest(Map<String, Object> target, int k)
            throws IOException, InterruptedException {
        List<Number> values = (List<Number>) target.get("instance");
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        String model = (String) target.get("modelName");
        long version = ((Number) target.get("modelVersion")).longValue();
        String exclude = (String) target.get("imageId");
        List<Map<String, Object>> all = new ArrayList<>();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            if (!instance.stateStoreNames().contains(IndexProcessor.STORE)) {
                continue;
            }
            if (instance.hostInfo().equals(self)) {
                all.addAll(localNearest(vector, model, version, exclude, k));
                continue;
            }
            String url = "http://" + instance.host() + ":" + instance.port() + "/embeddings/_scan?k=" + k
                    + "&version=" + version + "&model=" + URLEncoder.encode(model, StandardCharsets.UTF_8)
                    + "&exclude=" + URLEncoder.encode(exclude, StandardCharsets.UTF_8);
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(vector)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(instance.hostInfo() + " answered " + r.statusCode());
            }
            all.addAll(JSON.readValue(r.body(), List.class));
        }
        all.sort(Comparator.comparingDouble((Map<String, Object> m) -> ((Number) m.get("cosine")).doubleValue())
                .reversed());
        return all.subList(0, Math.min(k, all.size()));
    }

    /** This instance's k best, by cosine similarity, among embeddings of the same model version. */
    private List<Map<String, Object>> localNearest(float[] vector, String model, long version, String exclude, int k) {
        double queryNorm = Rows.norm(vector);
        PriorityQueue<KeyValue<String, Double>> best = new PriorityQueue<>(Comparator.comparingDouble(kv -> kv.value));
        try (KeyValueIterator<String, EmbeddingRecord> it = store().all()) {
            while (it.hasNext()) {
                KeyValue<String, EmbeddingRecord> kv = it.next();
                EmbeddingRecord e = kv.value;
                if (e.getModelVersion() != version || !e.getModelName().equals(model) || kv.key.equals(exclude)) {
                    continue;
                }
                List<Float> v = e.getInstance();
                double dot = 0;
                double sq = 0;
                for (int i = 0; i < vector.length && i < v.size(); i++) {
                    dot += vector[i] * v.get(i);
                    sq += v.get(i) * v.get(i);
                }
                best.add(KeyValue.pair(kv.key, dot / (queryNorm * Math.sqrt(sq) + 1e-12)));
                if (best.size() > k) {
                    best.poll();
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (KeyValue<String, Double> kv : best) {
            out.add(Map.of("imageId", kv.key, "cosine", kv.value));
        }
        return out;
    }

    private ReadOnlyKeyValueStore<String, EmbeddingRecord> store() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(IndexProcessor.STORE, QueryableStoreTypes.keyValueStore()));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }
}
