package io.extrema.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.RejectReason;
import io.extrema.images.source.SourceImage;
import io.extrema.ingest.ImagePublisher;
import io.extrema.ingest.ImageRecords;
import io.extrema.ingest.ImageValidator;
import io.extrema.ingest.IngestConfig;
import io.extrema.schemas.avro.ImageRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /images}: one image per request, as the raw body or a {@code multipart/form-data} part named
 * {@code image} (or any part with a file name), with optional {@code id}, {@code label} and {@code attributes} (a
 * JSON object) as form fields, query parameters or {@code X-Image-Id}/{@code X-Image-Label} headers.
 *
 * <p>Answers: 201 with {@code {"id", "topic", "partition", "offset"}} once the broker has acknowledged the record;
 * 413 for a body over {@code max.bytes} (refused from Content-Length, or when a chunked body passes the cap while
 * being read: no unbounded body is ever buffered); 415 when the bytes are not a readable image format; 422 when they
 * are an image the limits or the decoder refuse; 400 for an empty or malformed request; 503 when Kafka does not
 * acknowledge within {@code ack.timeout.ms}, or when every thread and queue slot is busy. Refused images are
 * dead-lettered; nothing reaches the images topic unless the answer is 201. {@code GET /health} answers 200.
 */
public final class HttpIngestServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpIngestServer.class);
    /** Multipart framing and form fields on top of the image itself. */
    private static final int MULTIPART_OVERHEAD = 64 * 1024;
    /** How much of a refused, too-large body is read so that its client still gets the 413. */
    private static final long DRAIN_LIMIT = 16L * 1024 * 1024;
    /** Set on the dispatcher thread while it answers a request the full pool turned away. */
    private static final ThreadLocal<Boolean> OVERLOADED = ThreadLocal.withInitial(() -> false);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final ImagePublisher publisher;
    private final ImageValidator validator;
    private final String idMode;
    private final String sourceName;
    private final long ackTimeoutMs;
    private final long maxBytes;

    public HttpIngestServer(IngestConfig config, ImagePublisher publisher) throws IOException {
        this.publisher = publisher;
        this.validator = ImageValidator.of(config);
        this.idMode = config.getString(IngestConfig.ID_MODE);
        String name = config.getString(IngestConfig.SOURCE_NAME);
        this.sourceName = name.isEmpty() ? "http" : name;
        this.ackTimeoutMs = config.getLong(IngestConfig.ACK_TIMEOUT_MS);
        this.maxBytes = config.getLong(IngestConfig.MAX_BYTES);
        int threads = config.getInt(IngestConfig.HTTP_THREADS);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                threads,
                threads,
                0,
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(Math.max(1, config.getInt(IngestConfig.HTTP_QUEUE))),
                r -> new Thread(r, "ingest-http-" + n.incrementAndGet()),
                (task, executor) -> { // full: answer 503 from the dispatcher without reading the body
                    OVERLOADED.set(true);
                    try {
                        task.run();
                    } finally {
                        OVERLOADED.set(false);
                    }
                });
        this.server = HttpServer.create(
                new InetSocketAddress(config.getString(IngestConfig.HTTP_HOST), config.getInt(IngestConfig.HTTP_PORT)),
                128);
        server.createContext("/images", this::handleImage);
        server.createContext("/health", exchange -> respond(exchange, 200, "{\"status\":\"ok\"}"));
        server.setExecutor(pool);
    }

    public HttpIngestServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handleImage(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (OVERLOADED.get()) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                respond(exchange, 503, error("OVERLOADED", "every request thread is busy; retry"));
                return;
            }
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                respond(exchange, 405, error("METHOD_NOT_ALLOWED", "POST an image to /images"));
                return;
            }
            handlePost(exchange);
        } catch (IOException e) {
            LOG.debug("request aborted: {}", e.toString());
        }
    }

    private void handlePost(HttpExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        String boundary = MultipartForm.boundary(contentType);
        long cap = boundary == null ? maxBytes : maxBytes + MULTIPART_OVERHEAD;
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                respond(exchange, 400, error("MALFORMED", "Content-Length is not a number"));
                return;
            }
            if (length > cap) {
                tooLarge(exchange, length);
                return;
            }
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, cap + 1));
            if (body.length > cap) { // chunked (or lying) body past the cap: keep none of it
                tooLarge(exchange, body.length);
                return;
            }
        }

        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String id = first(query.get("id"), exchange.getRequestHeaders().getFirst("X-Image-Id"));
        String label = first(query.get("label"), exchange.getRequestHeaders().getFirst("X-Image-Label"));
        Map<String, String> attributes = new HashMap<>();
        query.forEach((k, v) -> {
            if (k.startsWith("attr.")) attributes.put(k.substring(5), v);
        });
        byte[] image = body;
        String key = "upload";
        try {
            if (boundary != null) {
                Map<String, MultipartForm.Part> parts = MultipartForm.parse(body, boundary);
                MultipartForm.Part file = parts.get("image");
                if (file == null) {
                    file = parts.values().stream()
                            .filter(p -> p.filename() != null)
                            .findFirst()
                            .orElse(null);
                }
                if (file == null)
                    throw new MultipartForm.MalformedException("no 'image' part and no part with a file name");
                image = file.data();
                if (file.filename() != null) key = file.filename();
                if (parts.containsKey("id")) id = parts.get("id").text().trim();
                if (parts.containsKey("label"))
                    label = parts.get("label").text().trim();
                if (parts.containsKey("attributes"))
                    attributes.putAll(attributes(parts.get("attributes").text()));
            }
        } catch (MultipartForm.MalformedException e) {
            respond(exchange, 400, error("MALFORMED", e.getMessage()));
            return;
        }
        if (image.length == 0) {
            respond(exchange, 400, error(RejectReason.EMPTY.name(), "the request carries no image bytes"));
            return;
        }
        if (id != null && id.isEmpty()) id = null;
        SourceImage upload = new SourceImage(
                id != null ? id : key, image, label == null || label.isEmpty() ? null : label, attributes);
        publish(exchange, upload, id);
    }

    private void publish(HttpExchange exchange, SourceImage upload, String id) throws IOException {
        ImageValidator.Accepted accepted;
        try {
            accepted = validator.accept(upload.bytes());
        } catch (ImageRejectedException e) {
            deadLetter(upload.key(), upload.bytes(), e);
            respond(exchange, status(e.reason()), error(e.reason().name(), e.getMessage()));
            return;
        }
        ImageRecord record = ImageRecords.build(upload, accepted, idMode, id, sourceName, Instant.now());
        try {
            RecordMetadata ack = publisher.publish(record, null).get(ackTimeoutMs, TimeUnit.MILLISECONDS);
            respond(
                    exchange,
                    201,
                    String.format(
                            "{\"id\":%s,\"topic\":%s,\"partition\":%d,\"offset\":%d}",
                            quote(record.getId()), quote(ack.topic()), ack.partition(), ack.offset()));
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.warn("upload {} not acknowledged: {}", record.getId(), cause.toString());
            exchange.getResponseHeaders().set("Retry-After", "5");
            respond(exchange, 503, error("KAFKA_UNAVAILABLE", "not acknowledged by Kafka: " + cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 503, error("SHUTTING_DOWN", "the server is stopping"));
        }
    }

    static int status(RejectReason reason) {
        return switch (reason) {
            case TOO_LARGE_BYTES -> 413;
            case NOT_AN_IMAGE, UNSUPPORTED_FORMAT, UNSUPPORTED_COLOR_SPACE -> 415;
            case EMPTY -> 400;
            default -> 422;
        };
    }

    /**
     * Answers 413 once the rest of the body is read and thrown away: the client is still sending it, and a socket
     * closed with unread bytes is reset, so the client would see a reset instead of the answer. Past
     * {@link #DRAIN_LIMIT} the connection is closed rather than read on.
     */
    private void tooLarge(HttpExchange exchange, long length) throws IOException {
        ImageRejectedException e = ImageValidator.tooLarge(length, maxBytes);
        if (!discardRest(exchange.getRequestBody()))
            exchange.getResponseHeaders().set("Connection", "close");
        respond(exchange, 413, error(e.reason().name(), e.getMessage()));
    }

    /** Reads and drops what is left of a body, up to {@link #DRAIN_LIMIT} bytes; true when it reached the end. */
    private static boolean discardRest(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = DRAIN_LIMIT;
        int n;
        while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) left -= n;
        return left > 0 || in.read() < 0;
    }

    private void deadLetter(String key, byte[] bytes, ImageRejectedException why) {
        try {
            publisher.deadLetter(sourceName, key, bytes, why, (m, error) -> {
                if (error != null) LOG.error("dead letter for {} not written: {}", key, error.toString());
            });
        } catch (KafkaException e) {
            LOG.error("dead letter for {} not written: {}", key, e.toString());
        }
    }

    private static Map<String, String> attributes(String json) throws MultipartForm.MalformedException {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject())
                throw new MultipartForm.MalformedException("attributes must be a JSON object");
            Map<String, String> out = new HashMap<>();
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull())
                    out.put(
                            e.getKey(),
                            e.getValue().isTextual()
                                    ? e.getValue().asText()
                                    : e.getValue().toString());
            });
            return out;
        } catch (IOException e) {
            throw new MultipartForm.MalformedException("attributes are not JSON: " + e.getMessage());
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            out.put(
                    URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static String error(String reason, String message) {
        return "{\"error\":" + quote(reason) + ",\"message\":" + quote(message) + "}";
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops accepting requests, lets running ones finish (up to 5 s), then stops the threads. */
    @Override
    public void close() {
        server.stop(1);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
