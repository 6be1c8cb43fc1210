package io.extrema.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the local stack keeps its state and which loopback ports it binds.
 *
 * @param stateDir               broker data, logs, pid files and (by default) the unpacked registry; deleting it resets the stack
 * @param brokerPort             Kafka client listener
 * @param controllerPort         KRaft controller listener
 * @param registryPort           registry HTTP API
 * @param registryManagementPort registry health/metrics endpoint (Quarkus defaults it to 0.0.0.0:9000; we pin it)
 * @param registryHome           where the registry distribution is unpacked; may be shared by several stacks
 * @param registryDistribution   the registry tar.gz, or null to find it in the Maven local repository
 * @param registryJavaHome       a Java 21+ home for the registry, or null to search for one
 * @param startTimeout           how long each service may take to become ready
 * @param classDataArchives      let both JVMs write class-data archives on their first exit and load them on later
 *                               starts (faster warm starts, slower first stop); pointless for a throw-away state dir
 */
public record StackSettings(
        Path stateDir,
        int brokerPort,
        int controllerPort,
        int registryPort,
        int registryManagementPort,
        Path registryHome,
        Path registryDistribution,
        Path registryJavaHome,
        Duration startTimeout,
        boolean classDataArchives) {

    public static final String HOST = "127.0.0.1";
    public static final int DEFAULT_BROKER_PORT = 9092;
    public static final int DEFAULT_CONTROLLER_PORT = 9093;
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    public static final int DEFAULT_REGISTRY_MANAGEMENT_PORT = 8091;
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(180);

    /** The registry is unpacked inside the state directory unless told otherwise. */
    public static Path defaultRegistryHome(Path stateDir) {
        return stateDir.resolve("registry");
    }

    /** Default ports, state in {@code stateDir}. */
    public static StackSettings defaults(Path stateDir) {
        return new StackSettings(
                stateDir,
                DEFAULT_BROKER_PORT,
                DEFAULT_CONTROLLER_PORT,
                DEFAULT_REGISTRY_PORT,
                DEFAULT_REGISTRY_MANAGEMENT_PORT,
                defaultRegistryHome(stateDir),
                null,
                null,
                DEFAULT_START_TIMEOUT,
                true);
    }

    /** Ports the OS says are free now: lets parallel test JVMs each run a stack. */
    public StackSettings withFreePorts() {
        int[] ports = freePorts(4);
        return new StackSettings(
                stateDir,
                ports[0],
                ports[1],
                ports[2],
                ports[3],
                registryHome,
                registryDistribution,
                registryJavaHome,
                startTimeout,
                classDataArchives);
    }

    public StackSettings withRegistryHome(Path home) {
        return new StackSettings(
                stateDir,
                brokerPort,
                controllerPort,
                registryPort,
                registryManagementPort,
                home,
                registryDistribution,
                registryJavaHome,
                startTimeout,
                classDataArchives);
    }

    public StackSettings withRegistryDistribution(Path tarGz) {
        return new StackSettings(
                stateDir,
                brokerPort,
                controllerPort,
                registryPort,
                registryManagementPort,
                registryHome,
                tarGz,
                registryJavaHome,
                startTimeout,
                classDataArchives);
    }

    public StackSettings withRegistryJavaHome(Path javaHome) {
        return new StackSettings(
                stateDir,
                brokerPort,
                controllerPort,
                registryPort,
                registryManagementPort,
                registryHome,
                registryDistribution,
                javaHome,
                startTimeout,
                classDataArchives);
    }

    public StackSettings withStartTimeout(Duration timeout) {
        return new StackSettings(
                stateDir,
                brokerPort,
                controllerPort,
                registryPort,
                registryManagementPort,
                registryHome,
                registryDistribution,
                registryJavaHome,
                timeout,
                classDataArchives);
    }

    /** For throw-away stacks (tests): no archive is written at exit, so stopping is quicker. */
    public StackSettings withoutClassDataArchives() {
        return new StackSettings(
                stateDir,
                brokerPort,
                controllerPort,
                registryPort,
                registryManagementPort,
                registryHome,
                registryDistribution,
                registryJavaHome,
                startTimeout,
                false);
    }

    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** Base of the registry's Confluent-compatible API: what {@code schema.registry.url} must be. */
    public String registryUrl() {
        return "http://" + HOST + ":" + registryPort + "/apis/ccompat/v7";
    }

    public StackEndpoints endpoints() {
        return new StackEndpoints(bootstrapServers(), registryUrl());
    }

    /**
     * {@code count} distinct ports, free now. Every socket stays open until all are chosen: one closed at once may
     * be handed out again (a broker whose client and controller listeners got the same port did not format).
     */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getByName(HOST)));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("closing a probe socket", e);
                }
            }
        }
    }
}
