package io.extrema.schemas.registry;

import static org.junit.jupiter.api.Assertions.*;

import io.extrema.schemas.avro.ImageRecord;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client against the real registry process of the local stack (Apicurio's Confluent-compatible API). */
@ExtendWith(LocalStackExtension.class)
class SchemaRegistryClientTest {

    private final StackEndpoints stack;
    private final SchemaRegistryClient client;

    SchemaRegistryClientTest(StackEndpoints stack) {
        this.stack = stack;
        this.client = new SchemaRegistryClient(Map.of("schema.registry.url", stack.registryUrl()));
    }

    private static String subject() {
        return "client-test-" + UUID.randomUUID() + "-value";
    }

    private static Schema imageV2() throws IOException {
        try (InputStream in = SchemaRegistryClientTest.class.getResourceAsStream("/evolution/ImageRecord-v2.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void registerThenLookUpByIdLatestAndExactSchema() {
        String subject = subject();
        Schema schema = ImageRecord.getClassSchema();
        assertTrue(client.isCompatible(subject, schema), "a subject without versions accepts anything");
        int id = client.register(subject, schema);
        assertEquals(id, client.register(subject, schema), "registering again is a no-op");

        // A fresh client has empty caches: every answer below comes from the registry.
        SchemaRegistryClient fresh = new SchemaRegistryClient(Map.of("schema.registry.url", stack.registryUrl()));
        assertEquals(id, fresh.register(subject, schema), "the registry returns the existing id");
        assertEquals(schema, fresh.schemaById(id));
        assertEquals(id, fresh.idOf(subject, schema));
        RegisteredSchema latest = fresh.latest(subject);
        assertEquals(new RegisteredSchema(subject, id, 1, schema), latest);
        assertEquals(latest, fresh.version(subject, 1));
        assertEquals(List.of(1), fresh.versions(subject));
        assertTrue(fresh.subjects().contains(subject), "subjects lists " + subject);
    }

    @Test
    void compatibleChangeGetsANewVersionAndIncompatibleOneIsRefusedWith409() throws IOException {
        String subject = subject();
        client.setCompatibility(subject, CompatibilityLevel.BACKWARD);
        assertEquals(CompatibilityLevel.BACKWARD, client.compatibility(subject));
        int v1 = client.register(subject, ImageRecord.getClassSchema());

        assertTrue(client.isCompatible(subject, imageV2()));
        int v2 = client.register(subject, imageV2());
        assertNotEquals(v1, v2);
        assertEquals(2, client.latest(subject).version());

        // A new required field without a default: v3 readers cannot read v2 records.
        Schema breaking = SchemaBuilder.record("ImageRecord")
                .namespace("io.extrema.schemas.avro")
                .fields()
                .requiredString("id")
                .requiredLong("mustHave")
                .endRecord();
        assertFalse(client.isCompatible(subject, breaking));
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.register(subject, breaking));
        assertInstanceOf(IncompatibleSchemaException.class, e);
        assertTrue(e.isIncompatible());
        assertEquals(409, e.status());
        assertTrue(e.getMessage().contains("409") && e.getMessage().contains(subject), e.getMessage());
        assertEquals(List.of(1, 2), client.versions(subject), "the refused schema was not added");
    }

    @Test
    void compatibilityLevelIsSetAndReadBackGloballyAndPerSubject() {
        CompatibilityLevel before = client.compatibility();
        try {
            client.setCompatibility(CompatibilityLevel.FULL);
            assertEquals(CompatibilityLevel.FULL, client.compatibility());
            String subject = subject();
            client.register(subject, ImageRecord.getClassSchema());
            assertEquals(CompatibilityLevel.FULL, client.compatibility(subject), "no level of its own: the global one");
            client.setCompatibility(subject, CompatibilityLevel.FORWARD_TRANSITIVE);
            assertEquals(CompatibilityLevel.FORWARD_TRANSITIVE, client.compatibility(subject));
        } finally {
            client.setCompatibility(before);
        }
        assertEquals(before, client.compatibility());
    }

    @Test
    void unknownIdAndSubjectAreClear404s() {
        SchemaRegistryException byId =
                assertThrows(SchemaRegistryException.class, () -> client.schemaById(987_654_321));
        assertTrue(byId.isNotFound());
        assertEquals(404, byId.status());
        assertFalse(byId.isIncompatible());
        assertTrue(byId.getMessage().contains("/schemas/ids/987654321"), byId.getMessage());

        SchemaRegistryException bySubject = assertThrows(SchemaRegistryException.class, () -> client.latest(subject()));
        assertTrue(bySubject.isNotFound());

        String subject = subject();
        client.register(subject, ImageRecord.getClassSchema());
        SchemaRegistryClient fresh = new SchemaRegistryClient(Map.of("schema.registry.url", stack.registryUrl()));
        assertTrue(
                assertThrows(
                                SchemaRegistryException.class,
                                () -> fresh.idOf(
                                        subject,
                                        SchemaBuilder.record("Other")
                                                .fields()
                                                .requiredInt("x")
                                                .endRecord()))
                        .isNotFound(),
                "a schema not registered under the subject");
    }

    @Test
    void failsOverToTheNextUrlWhenOneIsUnreachable() {
        // Port 1 on loopback refuses connections; the second URL is the real registry.
        SchemaRegistryClient failover = new SchemaRegistryClient(Map.of(
                "schema.registry.url",
                "http://127.0.0.1:1/apis/ccompat/v7," + stack.registryUrl(),
                RegistryClientConfig.RETRY_BACKOFF_MS,
                "1"));
        String subject = subject();
        int id = failover.register(subject, ImageRecord.getClassSchema());
        assertEquals(ImageRecord.getClassSchema(), client.schemaById(id));
    }

    @Test
    void unreachableRegistryFailsAfterTheOutageWaitWithNoResponseStatus() {
        SchemaRegistryClient down = new SchemaRegistryClient(Map.of(
                "schema.registry.url",
                "http://127.0.0.1:1",
                RegistryClientConfig.MAX_RETRIES,
                2,
                RegistryClientConfig.RETRY_BACKOFF_MS,
                1L,
                RegistryClientConfig.OUTAGE_WAIT_MS,
                300L));
        long t0 = System.nanoTime();
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> down.schemaById(1));
        assertTrue(System.nanoTime() - t0 >= 300_000_000L, "gave up before the outage wait");
        assertTrue(e.isOutage());
        assertEquals(SchemaRegistryException.NO_RESPONSE, e.status());
        assertInstanceOf(IOException.class, e.getCause());
    }
}
