package io.extrema.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Real broker and registry processes: start, use, stop, and nothing left behind. */
class LocalStackTest {

    private static final Path BASE = Path.of("target/extrema-stack").toAbsolutePath();

    private static StackSettings freshSettings(String name) {
        Path stateDir = BASE.resolve(name + "-" + ProcessHandle.current().pid());
        LocalStack.deleteState(stateDir);
        return StackSettings.defaults(stateDir)
                .withRegistryHome(BASE.resolve("registry"))
                .withoutClassDataArchives()
                .withFreePorts();
    }

    @Test
    void ownedStackCarriesARecordAndLeavesNothingBehindWhenClosed() throws Exception {
        StackSettings settings = freshSettings("owned");
        List<Long> pids;
        try (LocalStack stack =
                LocalStack.start(settings, List.of(new TopicSpec("lifecycle", 2, Map.of("retention.ms", "60000"))))) {
            pids = stack.pids();
            assertEquals(2, pids.size());
            StackEndpoints endpoints = stack.endpoints();
            assertEquals("http://127.0.0.1:" + settings.registryPort() + "/apis/ccompat/v7", endpoints.registryUrl());

            produce(endpoints.bootstrapServers(), "lifecycle", "k", "hello");
            ConsumerRecord<String, String> record = consumeOne(endpoints.bootstrapServers(), "lifecycle");
            assertEquals("k", record.key());
            assertEquals("hello", record.value());

            // the stack sets Confluent's default compatibility, which Apicurio does not have
            assertTrue(get(endpoints.registryUrl() + "/config").contains("BACKWARD"));
            assertTrue(Files.isRegularFile(settings.stateDir().resolve("broker.pid")));
        }
        for (long pid : pids) {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            assertFalse(handle.isPresent() && handle.get().isAlive(), "process " + pid + " still alive");
        }
        for (int port : List.of(
                settings.brokerPort(),
                settings.controllerPort(),
                settings.registryPort(),
                settings.registryManagementPort())) {
            assertFalse(LocalStack.listening(port), "port " + port + " still listening");
        }
        assertFalse(Files.exists(settings.stateDir().resolve("broker.pid")));
        assertFalse(Files.exists(settings.stateDir().resolve("registry.pid")));
        LocalStack.deleteState(settings.stateDir());
    }

    @Test
    void detachedStackIsFoundAndStoppedThroughItsPidFiles() {
        StackSettings settings = freshSettings("detached");
        try {
            StackEndpoints endpoints = LocalStack.startDetached(settings, List.of(TopicSpec.of("detached", 1)));
            assertEquals(settings.endpoints(), endpoints);

            // a later JVM only knows the state directory: the recorded ports win over the ones it was given
            StackSettings onlyTheDir = StackSettings.defaults(settings.stateDir());
            StackStatus status = LocalStack.status(onlyTheDir);
            assertTrue(status.allUp(), status.toString());
            assertEquals(endpoints.bootstrapServers(), status.services().get(0).address());
            assertEquals(
                    endpoints, LocalStack.startDetached(onlyTheDir, List.of()), "second start finds the running stack");

            assertTrue(LocalStack.stop(onlyTheDir));
            assertTrue(LocalStack.status(onlyTheDir).allDown());
            assertFalse(LocalStack.listening(settings.brokerPort()));
            assertFalse(LocalStack.listening(settings.registryPort()));
            assertFalse(LocalStack.stop(onlyTheDir), "nothing left to stop");
        } finally {
            LocalStack.stop(settings);
            LocalStack.deleteState(settings.stateDir());
        }
    }

    @Test
    void killedServicesComeBackWithTheirRecordsAndSchemas() throws Exception {
        StackSettings settings = freshSettings("revive");
        try {
            StackEndpoints endpoints = LocalStack.startDetached(settings, List.of(TopicSpec.of("kept", 1)));
            produce(endpoints.bootstrapServers(), "kept", "k", "before");
            int id = register(endpoints.registryUrl(), "kept-value");

            // SIGKILL each service in turn: `stack start` brings back exactly the dead one, on the same ports
            for (String victim : List.of("broker", "registry")) {
                StackStatus.Service service = LocalStack.status(settings).services().stream()
                        .filter(s -> s.name().equals(victim))
                        .findFirst()
                        .orElseThrow();
                ProcessHandle handle = ProcessHandle.of(service.pid()).orElseThrow();
                handle.destroyForcibly();
                handle.onExit().get();
                StackStatus afterKill = LocalStack.status(settings);
                assertEquals(StackStatus.State.DOWN, afterKill.state(victim), afterKill.toString());
                long survivor = afterKill.services().stream()
                        .filter(s -> !s.name().equals(victim))
                        .findFirst()
                        .orElseThrow()
                        .pid();

                assertEquals(endpoints, LocalStack.startDetached(settings, List.of(TopicSpec.of("kept", 1))));
                StackStatus revived = LocalStack.status(settings);
                assertTrue(revived.allUp(), revived.toString());
                assertTrue(
                        revived.services().stream().anyMatch(s -> s.pid() == survivor),
                        "the " + victim + "'s restart must leave the other service running");
                assertEquals(
                        "before",
                        consumeOne(endpoints.bootstrapServers(), "kept").value());
                assertTrue(
                        get(endpoints.registryUrl() + "/schemas/ids/" + id).contains("Kept"),
                        "schema id " + id + " lost by the " + victim + "'s kill");
            }

            // a clean stop and start keeps both too; the id of a re-registered schema does not change
            assertTrue(LocalStack.stop(settings));
            LocalStack.startDetached(settings, List.of());
            assertEquals(
                    "before", consumeOne(endpoints.bootstrapServers(), "kept").value());
            assertEquals(id, register(endpoints.registryUrl(), "kept-value"));
        } finally {
            LocalStack.stop(settings);
            LocalStack.deleteState(settings.stateDir());
        }
    }

    @Test
    void servicesOfAKilledOwnerAreReplacedByTheNextOwnedStart() throws Exception {
        StackSettings settings = freshSettings("orphan");
        try {
            // a detached stack recorded as owned by a JVM that is gone: what a kill -9 of `extrema demo` leaves
            LocalStack.startDetached(settings, List.of());
            Path state = settings.stateDir().resolve("stack.properties");
            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            Files.writeString(state, Files.readString(state) + "owner.pid=" + gone.pid() + " 0\n");
            List<Long> orphans = LocalStack.status(settings).services().stream()
                    .map(StackStatus.Service::pid)
                    .toList();

            assertFalse(LocalStack.detachedRunning(settings), "services of a dead owner are not a detached stack");
            try (LocalStack stack = LocalStack.start(settings)) {
                assertTrue(LocalStack.status(settings).allUp());
                for (long pid : orphans) {
                    assertFalse(
                            ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "orphan " + pid);
                }
                assertFalse(stack.pids().stream().anyMatch(orphans::contains));
            }
        } finally {
            LocalStack.stop(settings);
            LocalStack.deleteState(settings.stateDir());
        }
    }

    /** Registers a one-field Avro record under {@code subject}; returns its id. */
    static int register(String registryUrl, String subject) throws Exception {
        String schema = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Kept\\\","
                + "\\\"fields\\\":[{\\\"name\\\":\\\"x\\\",\\\"type\\\":\\\"int\\\"}]}\"}";
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(registryUrl + "/subjects/" + subject + "/versions"))
                                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                                .POST(HttpRequest.BodyPublishers.ofString(schema))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return Integer.parseInt(response.body().replaceAll("\\D+", ""));
    }

    static void produce(String bootstrap, String topic, String key, String value) throws Exception {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    static ConsumerRecord<String, String> consumeOne(String bootstrap, String topic) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-" + topic + "-" + System.nanoTime(), // each read from the start
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest");
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) return records.iterator().next();
            }
        }
        throw new AssertionError("no record on " + topic + " within 30 s");
    }

    static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
