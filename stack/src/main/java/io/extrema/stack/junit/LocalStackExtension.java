package io.extrema.stack.junit;

import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real broker + registry per test JVM, started on first use and stopped when the test run ends.
 *
 * <pre>{@code
 * @ExtendWith(LocalStackExtension.class)
 * class MyIT {
 *     @Test void roundTrip(StackEndpoints stack) {
 *         LocalStackExtension.createTopic(stack, "my-test-topic", 1);
 *         ... stack.bootstrapServers(), stack.registryUrl() ...
 *     }
 * }
 * }</pre>
 *
 * <p>The stack lives in the JUnit root store, so every test class of the JVM shares it and JUnit closes it after the
 * last test (a JVM shutdown hook stops it too if the run is cut short). It uses ports the OS reports free, so test JVMs
 * running side by side never clash, and creates no topics: each test creates its own, uniquely named.
 *
 * <p>State goes to {@code target/extrema-stack/jvm-<pid>} (deleted at the end); the registry is unpacked once into
 * {@code target/extrema-stack/registry} and reused. The system property {@code extrema.stack.dir} moves both;
 * {@code extrema.stack.start.timeout.ms} (default 180000) bounds the start on a busy machine.
 */
public final class LocalStackExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(LocalStackExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == StackEndpoints.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return endpoints(context);
    }

    /** The shared stack's endpoints, starting it if this is the first use in this JVM. */
    public static StackEndpoints endpoints(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedStack.class, key -> SharedStack.start(), SharedStack.class)
                .endpoints();
    }

    /** Creates a topic (replication 1) on the stack if it does not exist yet. */
    public static void createTopic(StackEndpoints stack, String name, int partitions) {
        createTopic(stack, name, partitions, Map.of());
    }

    /** Creates a topic with topic-level configs (e.g. {@code cleanup.policy=compact}) if it does not exist yet. */
    public static void createTopic(StackEndpoints stack, String name, int partitions, Map<String, String> configs) {
        LocalStack.createTopics(stack.bootstrapServers(), List.of(new TopicSpec(name, partitions, configs)));
    }

    /** The stack in the root store; JUnit closes AutoCloseable store values when the run ends. */
    private static final class SharedStack implements AutoCloseable {
        private final LocalStack stack;
        private final Path stateDir;

        private SharedStack(LocalStack stack, Path stateDir) {
            this.stack = stack;
            this.stateDir = stateDir;
        }

        static SharedStack start() {
            Path base = Path.of(System.getProperty("extrema.stack.dir", "target/extrema-stack"))
                    .toAbsolutePath();
            Path stateDir = base.resolve("jvm-" + ProcessHandle.current().pid());
            StackSettings settings = StackSettings.defaults(stateDir)
                    .withRegistryHome(base.resolve("registry"))
                    .withStartTimeout(Duration.ofMillis(Long.getLong(
                            "extrema.stack.start.timeout.ms", StackSettings.DEFAULT_START_TIMEOUT.toMillis())))
                    .withoutClassDataArchives()
                    .withFreePorts();
            return new SharedStack(LocalStack.start(settings), stateDir);
        }

        StackEndpoints endpoints() {
            return stack.endpoints();
        }

        @Override
        public void close() {
            stack.close();
            LocalStack.deleteState(stateDir);
        }
    }
}
