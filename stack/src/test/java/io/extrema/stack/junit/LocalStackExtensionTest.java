package io.extrema.stack.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.stack.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class LocalStackExtensionTest {

    private final StackEndpoints fromConstructor;

    LocalStackExtensionTest(StackEndpoints stack) {
        this.fromConstructor = stack;
    }

    @Test
    void injectsOneSharedStackWhoseBrokerAndRegistryAnswer(StackEndpoints stack) throws Exception {
        assertEquals(fromConstructor, stack);

        LocalStackExtension.createTopic(stack, "extension-test", 3, Map.of("cleanup.policy", "compact"));
        LocalStackExtension.createTopic(stack, "extension-test", 3); // exists already: no error
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            assertTrue(admin.listTopics().names().get().contains("extension-test"));
            var description = admin.describeTopics(Set.of("extension-test"))
                    .allTopicNames()
                    .get()
                    .get("extension-test");
            assertEquals(3, description.partitions().size());
        }

        HttpResponse<String> subjects = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(stack.registryUrl() + "/subjects"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, subjects.statusCode());
        assertTrue(stack.registryUrl().endsWith("/apis/ccompat/v7"));
    }
}
