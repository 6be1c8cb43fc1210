package io.extrema.ops.stack;

import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.Termination;
import io.extrema.ops.cli.UsageException;
import io.extrema.schemas.Topics;
import io.extrema.stack.JavaRuntimeFinder;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.stack.StackStatus;
import io.extrema.stack.TopicSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * {@code extrema stack start|stop|status|run}: the local Kafka broker and schema registry. {@code start} leaves them
 * running in the background (stopped by {@code stop}); {@code run} keeps them in the foreground until Ctrl-C.
 */
public final class StackCommand implements Command {

    public static final String DIR = "stack.dir";
    public static final String BROKER_PORT = "stack.broker.port";
    public static final String CONTROLLER_PORT = "stack.controller.port";
    public static final String REGISTRY_PORT = "stack.registry.port";
    public static final String REGISTRY_MANAGEMENT_PORT = "stack.registry.management.port";
    public static final String REGISTRY_JAVA_HOME = "stack.registry.java.home";
    public static final String REGISTRY_DISTRIBUTION = "stack.registry.distribution";
    public static final String REGISTRY_HOME = "stack.registry.home";
    public static final String START_TIMEOUT_MS = "stack.start.timeout.ms";
    public static final String CREATE_TOPICS = "stack.create.topics";

    private static final Range PORT = Range.between(1, 65535);

    @Override
    public String name() {
        return "stack";
    }

    @Override
    public String summary() {
        return "Start, stop or inspect the local Kafka broker and schema registry (127.0.0.1 only).";
    }

    @Override
    public String arguments() {
        return "start|stop|status|run";
    }

    /** No log file of its own: the broker and the registry log into the state directory, stack status stays terse. */
    @Override
    public ConfigDef settings() {
        return stackDefinition();
    }

    /** The stack.* settings, which the demo declares too: it starts the same stack. */
    public static ConfigDef stackDefinition() {
        return new ConfigDef()
                .define(
                        DIR,
                        Type.STRING,
                        ".extrema/stack",
                        Importance.HIGH,
                        "State directory (relative to the working directory): broker data, logs, pid files and the "
                                + "unpacked registry. Delete it (after 'stack stop') to start from scratch.")
                .define(
                        BROKER_PORT,
                        Type.INT,
                        StackSettings.DEFAULT_BROKER_PORT,
                        PORT,
                        Importance.HIGH,
                        "Kafka client port (bootstrap.servers 127.0.0.1:<port>).")
                .define(
                        CONTROLLER_PORT,
                        Type.INT,
                        StackSettings.DEFAULT_CONTROLLER_PORT,
                        PORT,
                        Importance.LOW,
                        "KRaft controller port of the single combined broker/controller node.")
                .define(
                        REGISTRY_PORT,
                        Type.INT,
                        StackSettings.DEFAULT_REGISTRY_PORT,
                        PORT,
                        Importance.HIGH,
                        "Schema registry HTTP port; the Confluent-compatible API is http://127.0.0.1:<port>/apis/ccompat/v7.")
                .define(
                        REGISTRY_MANAGEMENT_PORT,
                        Type.INT,
                        StackSettings.DEFAULT_REGISTRY_MANAGEMENT_PORT,
                        PORT,
                        Importance.LOW,
                        "Schema registry health and metrics port (Quarkus would take 0.0.0.0:9000).")
                .define(
                        REGISTRY_JAVA_HOME,
                        Type.STRING,
                        "",
                        Importance.MEDIUM,
                        "Java 21+ home to run the registry with. Empty: $" + JavaRuntimeFinder.ENV_VAR
                                + ", then $JAVA_HOME, the running JVM and the usual JDK install folders.")
                .define(
                        REGISTRY_DISTRIBUTION,
                        Type.STRING,
                        "",
                        Importance.LOW,
                        "Path of apicurio-registry-app-<version>-all.tar.gz. Empty: the Maven local repository "
                                + "(-Dmaven.repo.local, settings.xml, ~/.m2/repository), where the build put it.")
                .define(
                        REGISTRY_HOME,
                        Type.STRING,
                        "",
                        Importance.LOW,
                        "Where the registry is unpacked. Empty: <stack.dir>/registry.")
                .define(
                        START_TIMEOUT_MS,
                        Type.LONG,
                        StackSettings.DEFAULT_START_TIMEOUT.toMillis(),
                        Range.atLeast(1000),
                        Importance.LOW,
                        "How long the broker and the registry may take to be ready.")
                .define(
                        CREATE_TOPICS,
                        Type.BOOLEAN,
                        true,
                        Importance.MEDIUM,
                        "Create the project's topics (extrema.images, extrema.models, ...) once the broker is up.");
    }

    /** The stack settings these command settings describe. */
    public static StackSettings stackSettings(AbstractConfig config) {
        Path dir = Path.of(config.getString(DIR)).toAbsolutePath().normalize();
        String home = config.getString(REGISTRY_HOME);
        return new StackSettings(
                dir,
                config.getInt(BROKER_PORT),
                config.getInt(CONTROLLER_PORT),
                config.getInt(REGISTRY_PORT),
                config.getInt(REGISTRY_MANAGEMENT_PORT),
                home.isBlank()
                        ? StackSettings.defaultRegistryHome(dir)
                        : Path.of(home).toAbsolutePath(),
                pathOrNull(config.getString(REGISTRY_DISTRIBUTION)),
                pathOrNull(config.getString(REGISTRY_JAVA_HOME)),
                Duration.ofMillis(config.getLong(START_TIMEOUT_MS)),
                true);
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        StackSettings settings = stackSettings(invocation.settings());
        List<TopicSpec> topics = invocation.settings().getBoolean(CREATE_TOPICS) ? projectTopics() : List.of();
        PrintStream out = invocation.out();
        switch (invocation.action(arguments())) {
            case "start": {
                StackStatus before = LocalStack.status(settings);
                StackEndpoints endpoints = LocalStack.startDetached(settings, topics);
                if (!before.allDown()) {
                    before.services().stream()
                            .filter(s -> s.state() == StackStatus.State.DOWN)
                            .forEach(s -> out.println("The " + s.name() + " was down: started it again."));
                }
                printStarted(out, endpoints, settings, topics);
                out.println("Running in the background; stop it with: extrema stack stop");
                return 0;
            }
            case "run": {
                Termination.runUntilSignal(termination -> {
                    LocalStack stack = termination.own(LocalStack.start(settings, topics));
                    printStarted(out, stack.endpoints(), settings, topics);
                    out.println("Running in the foreground; Ctrl-C stops it.");
                });
                return 0;
            }
            case "stop":
                out.println(
                        LocalStack.stop(settings)
                                ? "Stack stopped (" + settings.stateDir() + ")."
                                : "No stack was running from " + settings.stateDir() + ".");
                return 0;
            case "status": {
                StackStatus status = LocalStack.status(settings);
                for (StackStatus.Service s : status.services()) {
                    out.printf(
                            "%-9s %-9s %s%s%n",
                            s.name(),
                            s.state().name().toLowerCase().replace('_', ' '),
                            s.address(),
                            s.pid() > 0 ? "  (pid " + s.pid() + ")" : "");
                }
                // like service managers: 0 when everything is up, 3 otherwise, so scripts can wait on it
                return status.allUp() ? 0 : 3;
            }
            default:
                throw new UsageException(
                        "unknown action '" + invocation.arguments().get(0) + "'; expected " + arguments());
        }
    }

    private static List<TopicSpec> projectTopics() {
        return Topics.all().stream()
                .map(t -> new TopicSpec(t.name(), t.partitions(), t.configs()))
                .collect(Collectors.toList());
    }

    private static void printStarted(
            PrintStream out, StackEndpoints endpoints, StackSettings settings, List<TopicSpec> topics) {
        out.println("Kafka broker     bootstrap.servers=" + endpoints.bootstrapServers());
        out.println("Schema registry  schema.registry.url=" + endpoints.registryUrl());
        out.println("State and logs   " + settings.stateDir());
        if (!topics.isEmpty()) {
            out.println(
                    "Topics           " + topics.stream().map(TopicSpec::name).collect(Collectors.joining(", ")));
        }
    }

    private static Path pathOrNull(String value) {
        return value.isBlank() ? null : Path.of(value);
    }
}
