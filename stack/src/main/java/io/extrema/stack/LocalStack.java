package io.extrema.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node KRaft Kafka broker and a real Apicurio schema registry, as child processes bound to 127.0.0.1,
 * with all their state in one directory ({@link StackSettings#stateDir()}).
 *
 * <p>Two lifecycles. {@link #start} gives a stack owned by this JVM: {@link #close()} stops it, and so does a
 * shutdown hook if the JVM exits first (tests, {@code extrema stack run}). {@link #startDetached} leaves the processes
 * running after this JVM exits; {@link #stop(StackSettings)} later stops them through their pid files
 * ({@code extrema stack start|stop|status}).
 */
public final class LocalStack implements AutoCloseable {

    /** Graceful stop: the broker flushes its log and writes its class-data archive; slow on a busy machine. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(40);

    private static final String STATE_FILE = "stack.properties";
    private static final String OWNER_PID = "owner.pid";
    /** A thread per task: the common pool has a single thread on 2 cores and may be busy with the caller's work. */
    private static final Executor OWN_THREAD = task -> {
        Thread thread = new Thread(task, "extrema-stack");
        thread.setDaemon(true);
        thread.start();
    };

    private final StackSettings settings;
    private final List<ServiceProcess> processes;
    private final Thread shutdownHook;

    private LocalStack(StackSettings settings, List<ServiceProcess> processes, Thread shutdownHook) {
        this.settings = settings;
        this.processes = processes;
        this.shutdownHook = shutdownHook;
    }

    /**
     * Starts a stack owned by this JVM (stopped by {@link #close()} or at JVM exit) and creates {@code topics}.
     * Services left by an owner that died without stopping them (kill -9) are stopped first: they are about to be
     * stopped by their orphan guards anyway.
     */
    public static LocalStack start(StackSettings settings, Collection<TopicSpec> topics) {
        List<ServiceProcess> launched = new ArrayList<>();
        Thread hook = new Thread(() -> stopAll(settings, launched), "extrema-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopOrphans(settings);
            if (running(settings).isPresent()) {
                throw new StackException("a stack is already running from " + settings.stateDir()
                        + "; stop it (extrema stack stop) or use another state directory");
            }
            launch(settings, topics, launched, true, status(settings));
            return new LocalStack(settings, launched, hook);
        } catch (RuntimeException e) {
            stopAll(settings, launched);
            removeHook(hook);
            throw e;
        }
    }

    /** Starts a stack owned by this JVM with no topics. */
    public static LocalStack start(StackSettings settings) {
        return start(settings, List.of());
    }

    /**
     * Starts a stack that keeps running after this JVM exits, or completes the one running from the same state
     * directory: a service that died (kill -9, a crash) is started again on the ports it had, one still starting is
     * waited for. Either way both services are up and the topics exist afterwards.
     */
    public static StackEndpoints startDetached(StackSettings settings, Collection<TopicSpec> topics) {
        stopOrphans(settings);
        StackSettings actual = running(settings).orElse(settings);
        List<ServiceProcess> launched = new ArrayList<>();
        try {
            launch(actual, topics, launched, false, status(actual));
            return actual.endpoints();
        } catch (RuntimeException e) {
            stopAll(actual, launched); // only what this call started; a service that was up stays up
            throw e;
        }
    }

    /** True when services run from this state directory that no JVM owns ({@code extrema stack start} left them). */
    public static boolean detachedRunning(StackSettings settings) {
        return running(settings).isPresent() && readOwner(settings).isEmpty();
    }

    /** Stops the stack running from {@code settings.stateDir()}, gracefully then forcibly. False if none ran. */
    public static boolean stop(StackSettings settings) {
        List<ServiceProcess> live = new ArrayList<>();
        KafkaBroker broker = new KafkaBroker(settings);
        SchemaRegistry registry = new SchemaRegistry(settings);
        ServiceProcess.fromPidFile(KafkaBroker.NAME, broker.logFile(), broker.pidFile())
                .ifPresent(live::add);
        ServiceProcess.fromPidFile(SchemaRegistry.NAME, registry.logFile(), registry.pidFile())
                .ifPresent(live::add);
        stopAll(settings, live);
        deleteIfExists(broker.pidFile());
        deleteIfExists(registry.pidFile());
        return !live.isEmpty();
    }

    /** Each service's state, from the pid files and a connection attempt to its port. */
    public static StackStatus status(StackSettings settings) {
        StackSettings actual = readState(settings).orElse(settings);
        KafkaBroker broker = new KafkaBroker(actual);
        SchemaRegistry registry = new SchemaRegistry(actual);
        return new StackStatus(List.of(
                serviceStatus(
                        KafkaBroker.NAME,
                        broker.logFile(),
                        broker.pidFile(),
                        actual.brokerPort(),
                        actual.bootstrapServers()),
                serviceStatus(
                        SchemaRegistry.NAME,
                        registry.logFile(),
                        registry.pidFile(),
                        actual.registryPort(),
                        actual.registryUrl())));
    }

    /** Creates the topics that do not exist yet (replication 1), waiting for the broker to confirm. */
    public static void createTopics(String bootstrapServers, Collection<TopicSpec> topics) {
        if (topics.isEmpty()) return;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<NewTopic> newTopics = topics.stream()
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()))
                    .collect(Collectors.toList());
            for (var result : admin.createTopics(newTopics).values().entrySet()) {
                try {
                    result.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new StackException(
                                "could not create topic " + result.getKey() + ": "
                                        + e.getCause().getMessage(),
                                e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating topics", e);
        }
    }

    /** Deletes a stopped stack's state directory (broker data, logs, pid files; and the registry if unpacked there). */
    public static void deleteState(Path stateDir) {
        RegistryDistribution.deleteTree(stateDir);
    }

    public StackEndpoints endpoints() {
        return settings.endpoints();
    }

    public StackSettings settings() {
        return settings;
    }

    /** Creates topics on this stack's broker. */
    public void createTopics(Collection<TopicSpec> topics) {
        createTopics(settings.bootstrapServers(), topics);
    }

    /** Process ids of the broker and the registry, in that order. */
    public List<Long> pids() {
        return processes.stream().map(ServiceProcess::pid).collect(Collectors.toList());
    }

    /** Stops both processes (gracefully, then forcibly) and waits until they are gone. */
    @Override
    public void close() {
        stopAll(settings, processes);
        removeHook(shutdownHook);
    }

    /**
     * Leaves stopping the stack to {@link #close()} alone, for an owner that closes it itself, last, from its own
     * shutdown hook ({@code extrema demo}: its trainer checkpoints and commits before the broker goes). The JVM runs
     * all shutdown hooks at once, so the stack's own would stop the broker under the owner's parts. If the JVM dies
     * without closing, the orphan guards still stop the services.
     */
    public LocalStack closedByOwnerOnly() {
        removeHook(shutdownHook);
        return this;
    }

    /**
     * Starts the services {@code status} shows down, registry and broker side by side (the registry is the slower
     * one), then waits for both, the ones already running included.
     */
    private static void launch(
            StackSettings settings,
            Collection<TopicSpec> topics,
            List<ServiceProcess> launched,
            boolean owned,
            StackStatus status) {
        SchemaRegistry registry = new SchemaRegistry(settings);
        KafkaBroker broker = new KafkaBroker(settings);
        boolean startRegistry = status.state(SchemaRegistry.NAME) == StackStatus.State.DOWN;
        boolean startBroker = status.state(KafkaBroker.NAME) == StackStatus.State.DOWN;
        Path registryJava = startRegistry ? registry.javaHome() : null;
        checkPortsFree(settings, startBroker, startRegistry);
        Instant deadline = Instant.now().plus(settings.startTimeout());
        CompletableFuture<ServiceProcess> registryStart = startRegistry
                ? CompletableFuture.supplyAsync(
                        () -> {
                            ServiceProcess p = registry.launch(registryJava, owned);
                            synchronized (launched) {
                                launched.add(p);
                            }
                            return p;
                        },
                        OWN_THREAD)
                : CompletableFuture.completedFuture(alive(SchemaRegistry.NAME, registry.logFile(), registry.pidFile()));
        try {
            ServiceProcess brokerProcess;
            if (startBroker) {
                brokerProcess = broker.launch(owned);
                synchronized (launched) {
                    launched.add(0, brokerProcess);
                }
            } else {
                brokerProcess = alive(KafkaBroker.NAME, broker.logFile(), broker.pidFile());
            }
            broker.awaitReady(brokerProcess, deadline);
            registry.awaitReady(registryStart.join(), deadline);
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            // a failed broker start must not leave the registry starting behind our back
            if (!registryStart.isDone()) {
                try {
                    registryStart.join();
                } catch (CompletionException ignoredBecauseBrokerFailedFirst) {
                    // the broker's failure is the one reported
                }
            }
        }
        createTopics(settings.bootstrapServers(), topics);
        registry.setGlobalCompatibility("BACKWARD");
        // a service revived under a living owner stays that owner's
        Optional<ProcessHandle> owner = owned
                ? Optional.of(ProcessHandle.current())
                : readOwner(settings).filter(Owner::alive).flatMap(o -> ProcessHandle.of(o.pid()));
        writeState(settings, owner);
    }

    /** The running service a pid file names; fails if it exited since its status was read. */
    private static ServiceProcess alive(String name, Path log, Path pidFile) {
        return ServiceProcess.fromPidFile(name, log, pidFile)
                .orElseThrow(() -> new StackException("the " + name
                        + " exited while the stack was starting; last lines of " + log + ":" + System.lineSeparator()
                        + ServiceProcess.logTail(log, 40)));
    }

    /**
     * Stops services whose owning JVM is gone (it was killed before its shutdown hook ran): their orphan guards are
     * stopping them already, and a new start must not find them half-way down.
     */
    private static void stopOrphans(StackSettings settings) {
        if (readOwner(settings).filter(owner -> !owner.alive()).isPresent()
                && !status(settings).allDown()) {
            stop(settings);
        }
    }

    private static void stopAll(StackSettings settings, List<ServiceProcess> processes) {
        List<ServiceProcess> copy;
        synchronized (processes) {
            copy = List.copyOf(processes);
        }
        // stop in parallel: each waits for its own graceful exit
        CompletableFuture.allOf(copy.stream()
                        .map(p -> CompletableFuture.runAsync(
                                () -> {
                                    if (p.stop(STOP_GRACE) && p.name.equals(KafkaBroker.NAME)) {
                                        new KafkaBroker(settings).keepClassDataArchive();
                                    }
                                },
                                OWN_THREAD))
                        .toArray(CompletableFuture[]::new))
                .join();
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException jvmAlreadyShuttingDown) {
            // the hook is running or about to: nothing to remove
        }
    }

    private static void checkPortsFree(StackSettings s, boolean broker, boolean registry) {
        Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        if (broker) {
            ports.put("broker", s.brokerPort());
            ports.put("controller", s.controllerPort());
        }
        if (registry) {
            ports.put("registry", s.registryPort());
            ports.put("registry management", s.registryManagementPort());
        }
        for (var port : ports.entrySet()) {
            if (listening(port.getValue())) {
                throw new StackException("the " + port.getKey() + " port " + StackSettings.HOST + ":" + port.getValue()
                        + " is already in use (another stack? try `extrema stack status`); choose another port");
            }
        }
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(StackSettings.HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The settings of the stack running from this state dir, if its processes are alive. */
    private static Optional<StackSettings> running(StackSettings settings) {
        StackStatus status = status(settings);
        if (status.allDown()) return Optional.empty();
        return Optional.of(readState(settings).orElse(settings));
    }

    private static StackStatus.Service serviceStatus(String name, Path log, Path pidFile, int port, String address) {
        return ServiceProcess.fromPidFile(name, log, pidFile)
                .map(p -> new StackStatus.Service(
                        name, listening(port) ? StackStatus.State.UP : StackStatus.State.NOT_READY, p.pid(), address))
                .orElseGet(() -> new StackStatus.Service(name, StackStatus.State.DOWN, -1, address));
    }

    /**
     * Records the ports the stack uses, so status/stop in a later JVM report the right addresses, and the JVM that
     * owns it (none for a detached stack), so a later start can tell services orphaned by a killed owner.
     */
    private static void writeState(StackSettings s, Optional<ProcessHandle> owner) {
        Properties p = new Properties();
        p.setProperty("broker.port", String.valueOf(s.brokerPort()));
        p.setProperty("controller.port", String.valueOf(s.controllerPort()));
        p.setProperty("registry.port", String.valueOf(s.registryPort()));
        p.setProperty("registry.management.port", String.valueOf(s.registryManagementPort()));
        p.setProperty("bootstrap.servers", s.bootstrapServers());
        p.setProperty("schema.registry.url", s.registryUrl());
        owner.ifPresent(o -> p.setProperty(OWNER_PID, o.pid() + " " + ServiceProcess.startMillis(o)));
        try (var out = Files.newBufferedWriter(s.stateDir().resolve(STATE_FILE))) {
            p.store(out, "the running extrema local stack");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + s.stateDir().resolve(STATE_FILE), e);
        }
    }

    private static Optional<Properties> readProperties(StackSettings s) {
        Path file = s.stateDir().resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            p.load(in);
            return Optional.of(p);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty(); // a damaged state file: fall back to the configured ports
        }
    }

    private static Optional<StackSettings> readState(StackSettings s) {
        try {
            return readProperties(s)
                    .map(p -> new StackSettings(
                            s.stateDir(),
                            Integer.parseInt(p.getProperty("broker.port")),
                            Integer.parseInt(p.getProperty("controller.port")),
                            Integer.parseInt(p.getProperty("registry.port")),
                            Integer.parseInt(p.getProperty("registry.management.port")),
                            s.registryHome(),
                            s.registryDistribution(),
                            s.registryJavaHome(),
                            s.startTimeout(),
                            s.classDataArchives()));
        } catch (RuntimeException e) {
            return Optional.empty(); // a damaged state file: fall back to the configured ports
        }
    }

    /** The JVM the state file names as the stack's owner, alive or not: pid and start time (-1 unknown). */
    private record Owner(long pid, long started) {
        boolean alive() {
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> started < 0 || ServiceProcess.startMillis(h) == started)
                    .isPresent();
        }
    }

    private static Optional<Owner> readOwner(StackSettings s) {
        try {
            return readProperties(s)
                    .map(p -> p.getProperty(OWNER_PID))
                    .filter(v -> !v.isBlank())
                    .map(v -> {
                        String[] parts = v.trim().split("\\s+");
                        return new Owner(Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : -1);
                    });
        } catch (NumberFormatException damaged) {
            return Optional.empty();
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file, e);
        }
    }
}
