package io.extrema.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Apicurio Registry as a child process (Quarkus fast-jar on a Java 21+ runtime), answering the Confluent
 * schema-registry API at {@code /apis/ccompat/v7}. Both its HTTP and management ports bind to loopback.
 *
 * <p>Schemas live in an H2 database file in the state directory, beside the broker's log: the broker keeps records
 * that name schema ids, so the ids must outlive a restart, a {@code kill -9} included. The file storage (rather
 * than Apicurio's KafkaSQL, which keeps schemas in a topic) lets the registry start without waiting for the broker
 * and costs about 0.5 s of start-up (docs/reliability.md).
 */
final class SchemaRegistry {

    static final String NAME = "registry";
    static final int MIN_JAVA = 21;
    private static final String CONFLUENT_JSON = "application/vnd.schemaregistry.v1+json";

    private final StackSettings settings;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    SchemaRegistry(StackSettings settings) {
        this.settings = settings;
    }

    Path logFile() {
        return settings.stateDir().resolve("logs").resolve("registry.log");
    }

    Path pidFile() {
        return settings.stateDir().resolve("registry.pid");
    }

    /** The H2 database with every registered schema; deleting the state directory forgets them. */
    Path database() {
        return settings.stateDir().resolve("registry-data").resolve("registry").toAbsolutePath();
    }

    /** The Java 21+ home to run the registry with; checked before anything starts, so a missing JDK fails first. */
    Path javaHome() {
        return JavaRuntimeFinder.forThisMachine().require(MIN_JAVA, settings.registryJavaHome());
    }

    /** Unpacks the distribution if needed and starts the registry on {@code javaHome} (not yet ready). */
    ServiceProcess launch(Path javaHome, boolean ownedByThisJvm) {
        Path home = RegistryDistribution.unpack(
                RegistryDistribution.locate(settings.registryDistribution()), settings.registryHome());
        String host = StackSettings.HOST;
        List<String> command = new ArrayList<>(List.of(
                JavaRuntimeFinder.javaLauncher(javaHome).toString(),
                "-Xms64m",
                "-Xmx512m",
                // start-up dominates a dev registry's life and lookups are few (clients cache them): C1 alone
                // halves the start
                "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=" + host,
                "-Dquarkus.http.port=" + settings.registryPort(),
                "-Dquarkus.management.host=" + host,
                "-Dquarkus.management.port=" + settings.registryManagementPort(),
                "-Dquarkus.banner.enabled=false",
                // WRITE_DELAY=0: each registration is on disk before the registry answers, so a kill -9 right
                // after a producer learnt an id cannot lose it
                "-Dapicurio.datasource.url=jdbc:h2:file:" + database() + ";WRITE_DELAY=0",
                // a dev registry serves a handful of clients: 20 pooled connections only slow its start
                "-Dapicurio.datasource.jdbc.initial-size=2",
                "-Dapicurio.datasource.jdbc.min-size=2",
                "-jar",
                home.resolve("quarkus-run.jar").toAbsolutePath().toString()));
        if (settings.classDataArchives()) {
            // a class-data archive made on the first run (Java 19+; rebuilt by the JVM itself if unusable) cuts a
            // warm start again
            command.addAll(
                    1,
                    List.of(
                            "-XX:+AutoCreateSharedArchive",
                            "-XX:SharedArchiveFile="
                                    + settings.stateDir()
                                            .resolve("registry-work")
                                            .resolve("registry.jsa")
                                            .toAbsolutePath()));
        }
        return ServiceProcess.launch(
                NAME, command, settings.stateDir().resolve("registry-work"), logFile(), pidFile(), ownedByThisJvm);
    }

    /** Waits until {@code GET /subjects} answers 200; fails with the log tail if it dies or times out. */
    void awaitReady(ServiceProcess process, Instant deadline) {
        HttpRequest subjects = HttpRequest.newBuilder(URI.create(settings.registryUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(3))
                .GET()
                .build();
        while (true) {
            process.checkAlive();
            try {
                if (http.send(subjects, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet: keep polling until the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StackException("interrupted while waiting for the registry", e);
            }
            process.pause(deadline, 200);
        }
    }

    /** Apicurio defaults to NONE; the project relies on Confluent's default, BACKWARD. */
    void setGlobalCompatibility(String level) {
        HttpRequest put = HttpRequest.newBuilder(URI.create(settings.registryUrl() + "/config"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", CONFLUENT_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                .build();
        try {
            HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new StackException("setting the registry's compatibility to " + level + " failed: HTTP "
                        + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new StackException("setting the registry's compatibility failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while configuring the registry", e);
        }
    }
}
