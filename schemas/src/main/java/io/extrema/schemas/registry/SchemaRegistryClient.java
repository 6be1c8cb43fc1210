package io.extrema.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A client for the Confluent Schema Registry REST API (also served by Apicurio at {@code /apis/ccompat/v7},
 * Karapace and Redpanda), for Avro schemas.
 *
 * <p>Ids are cached both ways: schema to id per subject (filled by {@link #register} and {@link #idOf}) and id to
 * schema (filled by {@link #schemaById} and by registrations), so a serde talks to the registry once per schema.
 * I/O errors and HTTP 5xx are retried a bounded number of times with exponential backoff, moving to the next URL
 * of the list on a connection failure; 4xx answers fail at once with a {@link SchemaRegistryException} carrying the
 * registry's status, error code and message ({@link IncompatibleSchemaException} for 409). Thread-safe.
 */
public class SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SchemaRegistryClient.class);

    private final List<String> baseUrls;
    private final AtomicInteger currentUrl = new AtomicInteger();
    private final HttpClient http;
    private final Optional<String> authorization;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final long backoffMs;
    private final long backoffMaxMs;
    private final long outageWaitNanos;

    private final ConcurrentMap<String, ConcurrentMap<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client from settings named as in {@link RegistryClientConfig} (Confluent's names). */
    public SchemaRegistryClient(Map<String, ?> configs) {
        this(new RegistryClientConfig(configs));
    }

    public SchemaRegistryClient(RegistryClientConfig config) {
        this.baseUrls = config.urls().stream()
                .map(SchemaRegistryClient::withoutUserInfo)
                .toList();
        this.authorization = config.userInfo()
                .map(u -> "Basic " + Base64.getEncoder().encodeToString(u.getBytes(StandardCharsets.UTF_8)));
        this.requestTimeout = config.requestTimeout();
        this.maxRetries = config.maxRetries();
        this.backoffMs = config.retryBackoffMs();
        this.backoffMaxMs = config.retryBackoffMaxMs();
        this.outageWaitNanos = config.outageWait().toNanos();
        // HTTP/1.1: registries behind plain http would otherwise see an h2c upgrade attempt on every request.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** Registers {@code schema} under {@code subject} (a no-op returning the same id if it is already there). */
    public int register(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode r = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = r.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException(
                    "registry answered without an id when registering under " + subject + ": " + r, 200, 200, null);
        }
        remember(subject, schema, id);
        return id;
    }

    /** The id of exactly this schema under {@code subject}, without registering it; 404 if it is not registered. */
    public int idOf(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode r = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = r.path("id").asInt();
        remember(subject, schema, id);
        return id;
    }

    /** The schema with this global id (cached: ids are immutable). */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        Schema schema = parse(send("GET", "/schemas/ids/" + id, null), "schema id " + id);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    /** The newest version under {@code subject}. */
    public RegisteredSchema latest(String subject) {
        return version(subject, "latest");
    }

    /** Version {@code version} (1, 2, ...) under {@code subject}. */
    public RegisteredSchema version(String subject, int version) {
        return version(subject, Integer.toString(version));
    }

    private RegisteredSchema version(String subject, String version) {
        JsonNode r = send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null);
        Schema schema = parse(r, subject + " version " + version);
        int id = r.path("id").asInt();
        schemasById.putIfAbsent(id, schema);
        return new RegisteredSchema(
                r.path("subject").asText(subject), id, r.path("version").asInt(), schema);
    }

    /** The version numbers under {@code subject}, oldest first. */
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        send("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(v -> out.add(v.asInt()));
        return out;
    }

    /** Every subject the registry has. */
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        send("GET", "/subjects", null).forEach(s -> out.add(s.asText()));
        return out;
    }

    /**
     * Whether {@code schema} may be registered after the latest version of {@code subject} under the subject's
     * compatibility level. A subject without versions accepts anything.
     */
    public boolean isCompatible(String subject, Schema schema) {
        try {
            JsonNode r =
                    send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
            return r.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return true;
            }
            throw e;
        }
    }

    /** The global compatibility level. */
    public CompatibilityLevel compatibility() {
        return level(send("GET", "/config", null));
    }

    /** The level that applies to {@code subject}: its own, or the global one when it has none. */
    public CompatibilityLevel compatibility(String subject) {
        try {
            return level(send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null));
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return compatibility();
            }
            throw e;
        }
    }

    /** Sets the global compatibility level. */
    public void setCompatibility(CompatibilityLevel level) {
        send("PUT", "/config", Map.of("compatibility", level.name()));
    }

    /** Sets the compatibility level of {@code subject}. */
    public void setCompatibility(String subject, CompatibilityLevel level) {
        send("PUT", "/config/" + encode(subject), Map.of("compatibility", level.name()));
    }

    /** Deletes {@code subject} (a soft delete in Confluent's terms) and returns the versions it had. */
    public List<Integer> deleteSubject(String subject) {
        List<Integer> out = new ArrayList<>();
        send("DELETE", "/subjects/" + encode(subject), null).forEach(v -> out.add(v.asInt()));
        idsBySubject.remove(subject);
        return out;
    }

    private Integer cachedId(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.get(subject);
        return ids == null ? null : ids.get(schema);
    }

    private void remember(String subject, Schema schema, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    private static Map<String, String> schemaBody(Schema schema) {
        return Map.of("schema", schema.toString());
    }

    private static Schema parse(JsonNode r, String what) {
        String type = r.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new SchemaRegistryException(what + " is a " + type + " schema, not Avro", 200, 200, null);
        }
        try {
            return new Schema.Parser().parse(r.path("schema").asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(
                    "registry returned an unparseable schema for " + what + ": " + e.getMessage(), 200, 200, e);
        }
    }

    private static CompatibilityLevel level(JsonNode r) {
        // GET answers {"compatibilityLevel": ...}; some registries answer with {"compatibility": ...}.
        String level = r.hasNonNull("compatibilityLevel")
                ? r.get("compatibilityLevel").asText()
                : r.path("compatibility").asText();
        try {
            return CompatibilityLevel.valueOf(level.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException("unknown compatibility level in registry answer: " + r, 200, 200, e);
        }
    }

    /**
     * One request, retried on I/O errors and 5xx at least {@code maxRetries} times and for at least the outage wait
     * (logged once per request that has to wait); 4xx fail at once.
     */
    private JsonNode send(String method, String path, Object body) {
        byte[] bytes = null;
        if (body != null) {
            try {
                bytes = JSON.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new IllegalStateException("cannot encode request body", e);
            }
        }
        long backoff = backoffMs;
        long firstFailure = 0;
        for (int attempt = 0; ; attempt++) {
            String base = baseUrls.get(Math.floorMod(currentUrl.get(), baseUrls.size()));
            String url = base + path;
            SchemaRegistryException failure;
            try {
                HttpResponse<byte[]> response =
                        http.send(request(method, url, bytes), HttpResponse.BodyHandlers.ofByteArray());
                int status = response.statusCode();
                if (status < 300) {
                    return json(response.body(), method, url, status);
                }
                failure = error(method, url, status, response.body());
                if (status < 500) {
                    throw failure;
                }
            } catch (IOException e) {
                failure = new SchemaRegistryException(
                        method + " " + url + " failed: " + e,
                        SchemaRegistryException.NO_RESPONSE,
                        SchemaRegistryException.NO_RESPONSE,
                        e);
                currentUrl.incrementAndGet(); // fail over to the next URL of the list, if there is one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(
                        method + " " + url + " interrupted",
                        SchemaRegistryException.NO_RESPONSE,
                        SchemaRegistryException.NO_RESPONSE,
                        e);
            }
            long now = System.nanoTime();
            if (attempt == 0) {
                firstFailure = now;
            }
            if (attempt >= maxRetries && now - firstFailure >= outageWaitNanos) {
                throw failure;
            }
            if (attempt == maxRetries && outageWaitNanos > 0) {
                LOG.warn(
                        "schema registry unavailable ({}); retrying for up to {} s",
                        failure.getMessage(),
                        outageWaitNanos / 1_000_000_000);
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
            backoff = Math.min(backoff * 2, backoffMaxMs);
        }
    }

    private HttpRequest request(String method, String url, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(requestTimeout)
                .header("Accept", ACCEPT)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", CONTENT_TYPE);
        }
        authorization.ifPresent(a -> b.header("Authorization", a));
        return b.build();
    }

    private static JsonNode json(byte[] body, String method, String url, int status) {
        if (body.length == 0) {
            return NullNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    method + " " + url + " answered HTTP " + status + " with a body that is not JSON: " + snippet(body),
                    status,
                    status,
                    e);
        }
    }

    private static SchemaRegistryException error(String method, String url, int status, byte[] body) {
        int code = status;
        String message = snippet(body);
        try {
            JsonNode e = JSON.readTree(body);
            if (e != null && e.isObject()) {
                code = e.path("error_code").asInt(status);
                message = e.path("message").asText(message);
            }
        } catch (IOException notJson) {
            // keep the raw text as the message
        }
        String text = method + " " + url + " -> HTTP " + status + " (error_code " + code + "): " + message;
        return status == 409
                ? new IncompatibleSchemaException(text, code)
                : new SchemaRegistryException(text, status, code, null);
    }

    private static String snippet(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The base URL without user info (sent as a header instead) and without a trailing slash. */
    private static String withoutUserInfo(URI url) {
        if (url.getScheme() == null || url.getHost() == null) {
            throw new IllegalArgumentException("not an absolute http(s) URL: " + url);
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "") + path;
    }
}
