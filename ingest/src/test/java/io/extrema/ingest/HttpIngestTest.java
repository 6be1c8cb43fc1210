package io.extrema.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.images.TestImages;
import io.extrema.ingest.http.HttpIngestServer;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class HttpIngestTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private final StackEndpoints stack;

    HttpIngestTest(StackEndpoints stack) {
        this.stack = stack;
    }

    private static HttpResponse<String> post(int port, String path, String contentType, HttpRequest.BodyPublisher body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(body);
        if (contentType != null) request.header("Content-Type", contentType);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] multipart(String boundary, Map<String, String> fields, String filename, byte[] image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.forEach((k, v) -> out.writeBytes(
                ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n")
                        .getBytes(StandardCharsets.UTF_8)));
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + filename
                        + "\"\r\nContent-Type: image/jpeg\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(image);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void uploadsAreAcknowledgedAndBadRequestsRefusedWithoutWritingAnything() throws Exception {
        Topic topic = Topic.create(stack);
        Map<String, String> settings = new HashMap<>(topic.settings());
        settings.put(IngestConfig.HTTP_PORT, "0");
        settings.put(IngestConfig.MAX_BYTES, "20000");
        IngestConfig config = new IngestConfig(settings);
        byte[] raw = IngestSourcesTest.cifar().get("cat/0000.jpg");
        byte[] form = IngestSourcesTest.cifar().get("ship/0001.jpg");
        try (ImagePublisher publisher = ImagePublisher.create(config);
                HttpIngestServer server = new HttpIngestServer(config, publisher).start()) {
            int port = server.port();

            HttpResponse<String> ok = post(
                    port,
                    "/images?label=cat&attr.camera=c1",
                    "image/jpeg",
                    HttpRequest.BodyPublishers.ofByteArray(raw));
            assertEquals(201, ok.statusCode(), ok.body());
            assertTrue(ok.body().contains(ImageRecords.sha256(raw)), ok.body());

            String boundary = "----extrema-test-boundary";
            byte[] body = multipart(
                    boundary,
                    Map.of("id", "my-ship-1", "label", "ship", "attributes", "{\"gate\": 2, \"site\": \"north\"}"),
                    "s.jpg",
                    form);
            HttpResponse<String> okForm = post(
                    port,
                    "/images",
                    "multipart/form-data; boundary=" + boundary,
                    HttpRequest.BodyPublishers.ofByteArray(body));
            assertEquals(201, okForm.statusCode(), okForm.body());
            assertTrue(okForm.body().contains("\"id\":\"my-ship-1\""), okForm.body());

            byte[] big = TestImages.png(TestImages.rgb(1000, 1000));
            assertTrue(big.length > 20000);
            // the client gets the 413, not a reset connection, however the refusal and its upload interleave
            for (int attempt = 0; attempt < 20; attempt++) {
                assertEquals(
                        413,
                        post(port, "/images", "image/png", HttpRequest.BodyPublishers.ofByteArray(big))
                                .statusCode());
                // no Content-Length: a chunked body is capped while it is read
                HttpResponse<String> chunked = post(
                        port,
                        "/images",
                        "image/png",
                        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
                assertEquals(413, chunked.statusCode(), chunked.body());
            }
            assertEquals(
                    415,
                    post(port, "/images", "image/jpeg", HttpRequest.BodyPublishers.ofString("not an image"))
                            .statusCode());
            HttpResponse<String> truncated = post(
                    port,
                    "/images",
                    "image/jpeg",
                    HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(raw, raw.length / 2)));
            assertEquals(422, truncated.statusCode());
            assertTrue(truncated.body().contains("TRUNCATED"), truncated.body());
            assertEquals(
                    422,
                    post(
                                    port,
                                    "/images",
                                    "image/png",
                                    HttpRequest.BodyPublishers.ofByteArray(TestImages.pngDeclaring(100_000, 100_000)))
                            .statusCode());
            byte[] broken = Arrays.copyOf(body, body.length - 30); // closing boundary cut off
            assertEquals(
                    400,
                    post(
                                    port,
                                    "/images",
                                    "multipart/form-data; boundary=" + boundary,
                                    HttpRequest.BodyPublishers.ofByteArray(broken))
                            .statusCode());
            assertEquals(
                    400,
                    post(port, "/images", "multipart/form-data", HttpRequest.BodyPublishers.ofByteArray(body))
                            .statusCode());
            assertEquals(
                    400,
                    post(port, "/images", "image/jpeg", HttpRequest.BodyPublishers.noBody())
                            .statusCode());
            HttpResponse<String> get = CLIENT.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/images"))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
        }

        List<ConsumerRecord<String, ImageRecord>> records = topic.images();
        assertEquals(2, records.size()); // only the two acknowledged uploads
        Map<String, ImageRecord> byId =
                records.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        ImageRecord cat = byId.get(ImageRecords.sha256(raw));
        assertArrayEquals(raw, bytes(cat.getData()));
        assertEquals("cat", cat.getLabel());
        assertEquals(Map.of("camera", "c1"), cat.getAttributes());
        assertEquals("http", cat.getSource());
        ImageRecord ship = byId.get("my-ship-1");
        assertArrayEquals(form, bytes(ship.getData()));
        assertEquals("ship", ship.getLabel());
        assertEquals(Map.of("gate", "2", "site", "north"), ship.getAttributes());
        assertEquals(32, ship.getWidth());
        // the refused images that were read are dead-lettered with their bytes (413s were never read)
        assertEquals(3, topic.deadLetters().size());
    }

    @Test
    void answers503WhenKafkaDoesNotAcknowledge() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // free, and nothing will listen there
        }
        Map<String, String> settings = new HashMap<>(Topic.create(stack).settings());
        settings.put(IngestConfig.BOOTSTRAP_SERVERS, "127.0.0.1:" + deadPort);
        settings.put(IngestConfig.HTTP_PORT, "0");
        settings.put(IngestConfig.ACK_TIMEOUT_MS, "2000");
        settings.put("kafka.max.block.ms", "1500");
        IngestConfig config = new IngestConfig(settings);
        try (ImagePublisher publisher = ImagePublisher.create(config);
                HttpIngestServer server = new HttpIngestServer(config, publisher).start()) {
            HttpResponse<String> response = post(
                    server.port(),
                    "/images",
                    "image/jpeg",
                    HttpRequest.BodyPublishers.ofByteArray(
                            IngestSourcesTest.cifar().get("dog/0001.jpg")));
            assertEquals(503, response.statusCode(), response.body());
            assertTrue(response.body().contains("KAFKA_UNAVAILABLE"), response.body());
        }
    }
}
