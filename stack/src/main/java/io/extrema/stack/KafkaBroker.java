package io.extrema.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka broker (combined broker + controller) as a child JVM running {@code kafka.Kafka} from the
 * kafka_2.13 jars on our own class path. Its log dir is formatted once; the cluster id is kept beside it so a restart
 * reuses the data (formatting an existing log dir with a new id fails).
 */
final class KafkaBroker {

    static final String NAME = "broker";

    private final StackSettings settings;
    private final Path dir;

    KafkaBroker(StackSettings settings) {
        this.settings = settings;
        this.dir = settings.stateDir().resolve("broker");
    }

    Path logFile() {
        return settings.stateDir().resolve("logs").resolve("broker.log");
    }

    Path pidFile() {
        return settings.stateDir().resolve("broker.pid");
    }

    /** Writes the config, formats the log dir if it never was, and starts the broker (not yet ready). */
    ServiceProcess launch(boolean ownedByThisJvm) {
        try {
            Files.createDirectories(dir);
            Path config = writeServerProperties();
            Path log4j = writeLog4jConfig();
            String classPath = RuntimeClassPath.current();
            if (!Files.exists(dataDir().resolve("meta.properties"))) format(classPath, config, log4j);
            List<String> command = new ArrayList<>(javaCommand(classPath, log4j, "kafka.Kafka", config.toString()));
            if (settings.classDataArchives()) command.add(1, classDataArchiveOption(classPath));
            return ServiceProcess.launch(NAME, command, dir, logFile(), pidFile(), ownedByThisJvm);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the broker in " + dir, e);
        }
    }

    /** Waits until the broker answers a describeCluster; fails with the log tail if it dies or times out. */
    void awaitReady(ServiceProcess process, Instant deadline) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                process.checkAlive();
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(3, TimeUnit.SECONDS)
                            .isEmpty()) return;
                } catch (Exception notYet) {
                    // not listening yet: keep polling until the deadline
                }
                process.pause(deadline, 200);
            }
        }
    }

    private void format(String classPath, Path config, Path log4j) throws IOException {
        Path idFile = dir.resolve("cluster.id");
        if (!Files.exists(idFile)) Files.writeString(idFile, Uuid.randomUuid().toString());
        String clusterId = Files.readString(idFile).trim();
        List<String> command = javaCommand(
                classPath,
                log4j,
                "kafka.tools.StorageTool",
                "format",
                "--cluster-id",
                clusterId,
                "--config",
                config.toString(),
                "--ignore-formatted");
        Path formatLog = settings.stateDir().resolve("logs").resolve("broker-format.log");
        ServiceProcess formatter = ServiceProcess.launch(
                "broker storage format", command, dir, formatLog, dir.resolve("format.pid"), true);
        Instant deadline = Instant.now().plus(settings.startTimeout());
        while (formatter.isAlive()) {
            if (Instant.now().isAfter(deadline)) {
                formatter.stop(Duration.ZERO);
                throw new StackException(
                        "formatting the broker log dir timed out; log " + formatLog + ":\n" + formatter.logTail(30));
            }
            ServiceProcess.sleep(100);
        }
        formatter.stop(Duration.ZERO); // removes its pid file
        if (!Files.exists(dataDir().resolve("meta.properties"))) {
            throw new StackException("formatting the broker log dir " + dataDir() + " failed; log " + formatLog + ":\n"
                    + formatter.logTail(30));
        }
    }

    /**
     * A warm start loads the broker's classes from an archive the previous run wrote at exit (about a third faster).
     * The archive only fits the exact class path and JVM, hence the hash in its name. The JVM writes it under a
     * temporary name and {@link #keepClassDataArchive()} promotes it only after a graceful exit: Java 17 crashes on a
     * truncated archive, which a forced kill during the dump would leave.
     */
    private String classDataArchiveOption(String classPath) throws IOException {
        String key = classPath + "|" + System.getProperty("java.home") + "|" + Runtime.version();
        Path archive = dir.resolve("classes-" + Integer.toHexString(key.hashCode()) + ".jsa")
                .toAbsolutePath();
        if (Files.isRegularFile(archive)) return "-XX:SharedArchiveFile=" + archive;
        Files.deleteIfExists(partial(archive));
        return "-XX:ArchiveClassesAtExit=" + partial(archive);
    }

    /** After a graceful exit: the archive the broker wrote is complete, so later starts may use it. */
    void keepClassDataArchive() {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jsa.partial"))::iterator) {
                Path done = p.resolveSibling(p.getFileName().toString().replace(".jsa.partial", ".jsa"));
                Files.move(p, done, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            // no archive kept: the next start dumps a new one
        }
    }

    private static Path partial(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".partial");
    }

    private List<String> javaCommand(String classPath, Path log4j, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m",
                "-Xmx512m",
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-cp",
                classPath,
                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    private Path writeServerProperties() throws IOException {
        String host = StackSettings.HOST;
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + host + ":" + settings.controllerPort());
        p.setProperty(
                "listeners",
                "PLAINTEXT://" + host + ":" + settings.brokerPort() + ",CONTROLLER://" + host + ":"
                        + settings.controllerPort());
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + settings.brokerPort());
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.setProperty("log.dirs", dataDir().toAbsolutePath().toString());
        // one broker: every internal topic has a single replica
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // a lone consumer (tests, the CLI) should not wait 3 s for group members that never come
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // image records can be several MiB; topics set their own max.message.bytes on top
        p.setProperty("message.max.bytes", String.valueOf(8 * 1024 * 1024 + 1024));
        Path file = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, "written by the extrema local stack on every start");
        }
        return file;
    }

    private Path writeLog4jConfig() throws IOException {
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(
                file,
                String.join(
                        System.lineSeparator(),
                        "appender.out.type=Console",
                        "appender.out.name=out",
                        "appender.out.layout.type=PatternLayout",
                        "appender.out.layout.pattern=[%d] %p %m (%c)%n",
                        "rootLogger.level=INFO",
                        "rootLogger.appenderRef.out.ref=out",
                        // the broker's per-partition chatter drowns the lines that matter when something fails
                        "logger.log.name=org.apache.kafka.storage.internals.log",
                        "logger.log.level=WARN",
                        "logger.unified.name=kafka.log",
                        "logger.unified.level=WARN",
                        ""));
        return file;
    }
}
