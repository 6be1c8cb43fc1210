package io.extrema.schemas.registry;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client puts on the wire and how it treats failures the real registry will not produce on demand
 * (basic auth, 5xx): checked against a loopback HTTP endpoint that records requests and answers as scripted.
 */
class SchemaRegistryClientHttpTest {

    private HttpServer server;
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 503;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange ex) throws IOException {
        Map<String, String> r = new HashMap<>();
        r.put("method", ex.getRequestMethod());
        r.put("path", ex.getRequestURI().toString());
        r.put("auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        r.put("type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
        r.put("body", new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        requests.add(r);
        int status;
        String body;
        if (failuresLeft.getAndDecrement() > 0) {
            status = failureStatus;
            body = "{\"error_code\":" + (failureStatus == 503 ? 50003 : failureStatus * 100 + 1)
                    + ",\"message\":\"scripted failure\"}";
        } else {
            status = 200;
            body = "{\"id\":7}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7/";
    }

    private static org.apache.avro.Schema schema() {
        return SchemaBuilder.record("R")
                .namespace("t")
                .fields()
                .requiredInt("x")
                .endRecord();
    }

    @Test
    void basicAuthFromUserInfoAndConfluentContentTypeUnderTheBasePath() {
        SchemaRegistryClient client = new SchemaRegistryClient(Map.of(
                "schema.registry.url",
                base(),
                "basic.auth.credentials.source",
                "USER_INFO",
                "basic.auth.user.info",
                "alice:s3cret:x"));
        assertEquals(7, client.register("a b-value", schema()));
        Map<String, String> r = requests.get(0);
        assertEquals("POST", r.get("method"));
        assertEquals("/apis/ccompat/v7/subjects/a%20b-value/versions", r.get("path"));
        assertEquals(
                "Basic " + Base64.getEncoder().encodeToString("alice:s3cret:x".getBytes(StandardCharsets.UTF_8)),
                r.get("auth"));
        assertEquals("application/vnd.schemaregistry.v1+json", r.get("type"));
        assertTrue(r.get("body").contains("\\\"name\\\":\\\"R\\\""), "schema sent as a JSON string: " + r.get("body"));
        assertEquals(7, client.register("a b-value", schema()));
        assertEquals(1, requests.size(), "the second registration is answered from the cache");
    }

    @Test
    void basicAuthFromTheUrlUserInfoIsSentAsAHeaderNotInTheUrl() {
        String url = base().replace("http://", "http://bob:pw@");
        SchemaRegistryClient client = new SchemaRegistryClient(Map.of("schema.registry.url", url));
        client.register("s", schema());
        assertEquals(
                "Basic " + Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8)),
                requests.get(0).get("auth"));
        SchemaRegistryClient anonymous = new SchemaRegistryClient(Map.of("schema.registry.url", base()));
        anonymous.register("s", schema());
        assertEquals("null", requests.get(1).get("auth"));
    }

    @Test
    void serverErrorsAreRetriedWithBackoffUntilTheyPass() {
        failuresLeft.set(2);
        SchemaRegistryClient client = new SchemaRegistryClient(Map.of(
                "schema.registry.url",
                base(),
                RegistryClientConfig.MAX_RETRIES,
                3,
                RegistryClientConfig.RETRY_BACKOFF_MS,
                1L));
        assertEquals(7, client.register("s", schema()));
        assertEquals(3, requests.size());
    }

    @Test
    void serverErrorsBeyondTheRetryBudgetFailWithTheRegistrysErrorCode() {
        failuresLeft.set(100);
        SchemaRegistryClient client = new SchemaRegistryClient(Map.of(
                "schema.registry.url",
                base(),
                RegistryClientConfig.MAX_RETRIES,
                2,
                RegistryClientConfig.RETRY_BACKOFF_MS,
                1L,
                RegistryClientConfig.OUTAGE_WAIT_MS,
                0L));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.register("s", schema()));
        assertTrue(e.isOutage());
        assertEquals(503, e.status());
        assertEquals(50003, e.errorCode());
        assertTrue(e.getMessage().contains("scripted failure"), e.getMessage());
        assertEquals(3, requests.size(), "one attempt and two retries");
    }

    @Test
    void anOutageLongerThanTheRetryBudgetIsWaitedOutForTheOutageWait() {
        failuresLeft.set(12); // 12 failures at 20 ms apart: past 2 retries, within the 2 s outage wait
        SchemaRegistryClient client = new SchemaRegistryClient(Map.of(
                "schema.registry.url",
                base(),
                RegistryClientConfig.MAX_RETRIES,
                2,
                RegistryClientConfig.RETRY_BACKOFF_MS,
                20L,
                RegistryClientConfig.RETRY_BACKOFF_MAX_MS,
                20L,
                RegistryClientConfig.OUTAGE_WAIT_MS,
                2_000L));
        assertEquals(7, client.register("s", schema()));
        assertEquals(13, requests.size());
    }

    @Test
    void clientErrorsAreNotRetried() {
        failuresLeft.set(100);
        failureStatus = 422;
        SchemaRegistryClient client = new SchemaRegistryClient(
                Map.of("schema.registry.url", base(), RegistryClientConfig.RETRY_BACKOFF_MS, 1L));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.register("s", schema()));
        assertEquals(422, e.status());
        assertEquals(42201, e.errorCode());
        assertEquals(1, requests.size());
    }

    @Test
    void userInfoSourceWithoutUserInfoIsAConfigError() {
        assertThrows(
                org.apache.kafka.common.config.ConfigException.class,
                () -> new SchemaRegistryClient(
                        Map.of("schema.registry.url", base(), "basic.auth.credentials.source", "USER_INFO")));
        assertThrows(org.apache.kafka.common.config.ConfigException.class, () -> new SchemaRegistryClient(Map.of()));
    }
}
