package io.extrema.ingest;

import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.images.source.SourceOptions;
import io.extrema.ingest.http.HttpIngestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;

/**
 * {@code extrema ingest}: one of
 * <pre>
 *   ingest [settings] PATH          a folder tree, a tar / tar.gz / WebDataset shard, or one image file
 *   ingest [settings] -             one image from standard input
 *   ingest [settings] --watch DIR   send new files as they appear, until interrupted
 *   ingest [settings] --http        the HTTP endpoint, until interrupted
 * </pre>
 * Settings are {@code --name=value} or {@code --name value} for every {@link IngestConfig} name and every
 * {@code kafka.*} producer setting; a boolean setting alone ({@code --quiet}) means true; {@code --tolerate-refused}
 * is {@code --tolerate.refused}. Exit status: {@value #OK} all sent; {@value #REFUSED} some images refused (and
 * dead-lettered; {@code --tolerate-refused} makes this 0); {@value #USAGE} bad arguments or settings;
 * {@value #KAFKA} some records not acknowledged by Kafka; {@value #SOURCE} the source could not be read.
 */
public final class IngestCli {
    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;
    public static final int KAFKA = 3;
    public static final int SOURCE = 4;

    private final InputStream stdin;
    private final PrintStream out;
    private final PrintStream err;

    public IngestCli(InputStream stdin, PrintStream out, PrintStream err) {
        this.stdin = stdin;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        // Avro refuses generated classes from untrusted packages; the extrema script sets this, a bare java run may not.
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null) {
            System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.extrema.schemas.avro");
        }
        System.exit(new IngestCli(System.in, System.out, System.err).run(args));
    }

    /** Parsed arguments: the mode's operand and the settings. */
    record Arguments(String mode, String operand, Map<String, String> settings) {}

    static Arguments parse(String[] args) {
        Map<String, String> settings = new HashMap<>();
        List<String> operands = new ArrayList<>();
        String mode = "source";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-") || !a.startsWith("--")) {
                operands.add(a);
            } else if (a.equals("--http")) {
                mode = "http";
            } else if (a.equals("--watch")) {
                mode = "watch";
            } else if (a.equals("--help") || a.equals("-h")) {
                mode = "help";
            } else {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (name.equals("tolerate-refused")) name = IngestConfig.TOLERATE_REFUSED;
                boolean known = IngestConfig.CONFIG.configKeys().containsKey(name);
                boolean bool = known && IngestConfig.CONFIG.configKeys().get(name).type == org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
                if (!known && !name.startsWith(IngestConfig.KAFKA_PREFIX)) throw new ConfigException("unknown setting --" + name);
                if (value == null) {
                    boolean nextIsValue = i + 1 < args.length && !args[i + 1].startsWith("--")
                            && (!bool || args[i + 1].equalsIgnoreCase("true") || args[i + 1].equalsIgnoreCase("false"));
                    if (nextIsValue) value = args[++i];
                    else if (bool) value = "true";
                    else throw new ConfigException("--" + name + " needs a value");
                }
                settings.put(name, value);
            }
        }
        if (mode.equals("help")) return new Arguments(mode, null, settings);
        if (mode.equals("http")) {
            if (!operands.isEmpty()) throw new ConfigException("--http takes no path");
            return new Arguments(mode, null, settings);
        }
        if (operands.size() != 1) throw new ConfigException("give exactly one source: a folder, a tar, an image file or -");
        return new Arguments(mode, operands.get(0), settings);
    }

    public int run(String[] args) {
        Arguments arguments;
        IngestConfig config;
        try {
            arguments = parse(args);
            if (arguments.mode().equals("help")) {
                out.println(help());
                return OK;
            }
            config = new IngestConfig(arguments.settings());
        } catch (ConfigException e) {
            err.println("ingest: " + e.getMessage());
            err.println("run with --help for the settings");
            return USAGE;
        }
        IngestStats stats = new IngestStats();
        boolean quiet = config.getBoolean(IngestConfig.QUIET);
        try (ImagePublisher publisher = ImagePublisher.create(config)) {
            Ingestor ingestor = new Ingestor(config, publisher, stats);
            String name = config.getString(IngestConfig.SOURCE_NAME);
            switch (arguments.mode()) {
                case "http" -> serve(config, publisher);
                case "watch" -> {
                    Path dir = Path.of(arguments.operand());
                    if (!Files.isDirectory(dir)) throw new IOException("not a folder: " + dir);
                    String source = name.isEmpty() ? dir.toString() : name;
                    DirectoryWatch watch = new DirectoryWatch(dir, ingestor, source, config.getLong(IngestConfig.WATCH_SETTLE_MS),
                            config.getBoolean(IngestConfig.LABEL_BY_FOLDER));
                    untilInterrupted(() -> watch.run(new Progress(err, quiet, -1, stats)));
                    publisher.flush();
                }
                case "source" -> {
                    if (arguments.operand().equals("-")) {
                        sendStdin(ingestor, name.isEmpty() ? "stdin" : name, config.getLong(IngestConfig.MAX_BYTES));
                        publisher.flush();
                    } else {
                        sendPath(config, ingestor, Path.of(arguments.operand()), name, stats, quiet);
                    }
                }
                default -> throw new IllegalStateException(arguments.mode());
            }
        } catch (IOException | UncheckedIOException e) {
            err.println("ingest: cannot read the source: " + e.getMessage());
            err.print(stats.summary());
            return SOURCE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (org.apache.kafka.common.KafkaException e) {
            err.println("ingest: Kafka: " + e.getMessage());
            err.print(stats.summary());
            return KAFKA;
        }
        err.print(stats.summary());
        return exitStatus(stats, config.getBoolean(IngestConfig.TOLERATE_REFUSED));
    }

    static int exitStatus(IngestStats stats, boolean tolerateRefused) {
        if (stats.failed() > 0) return KAFKA;
        if (stats.refusedTotal() > 0 && !tolerateRefused) return REFUSED;
        return OK;
    }

    private void sendPath(IngestConfig config, Ingestor ingestor, Path path, String name, IngestStats stats, boolean quiet)
            throws IOException, InterruptedException {
        String source = name.isEmpty() ? path.toString() : name;
        Long seed = config.getLong(IngestConfig.SHUFFLE_SEED);
        SourceOptions options = SourceOptions.defaults()
                .withLabelByFolder(config.getBoolean(IngestConfig.LABEL_BY_FOLDER))
                .withShuffleSeed(seed)
                .withMaxEntryBytes(config.getLong(IngestConfig.MAX_BYTES))
                .withOnSkipped(entry -> ingestor.skipped(entry, source));
        int loops = config.getInt(IngestConfig.LOOPS);
        long total = -1;
        if (!quiet && loops > 0) {
            try (var probe = ImageSources.open(path, options)) {
                OptionalLong known = probe.total();
                // A plain tar's headers are counted by seeking past the data: cheap enough for an ETA.
                if (known.isPresent()) total = known.getAsLong() * loops;
                else if (!isGzip(path)) total = io.extrema.images.source.TarSource.countImages(path) * loops;
            }
        }
        Progress progress = new Progress(err, quiet, total, stats);
        ingestor.run(() -> ImageSources.open(path, options), source, loops, progress);
    }

    private static boolean isGzip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return in.read() == 0x1F && in.read() == 0x8B;
        }
    }

    private void sendStdin(Ingestor ingestor, String source, long maxBytes) throws IOException {
        byte[] bytes = stdin.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            long size = bytes.length;
            while (stdin.read() >= 0) size++; // drain, for an honest size in the report
            ingestor.skipped(new io.extrema.images.source.SkippedEntry("stdin", size), source);
            return;
        }
        ingestor.send(new SourceImage("stdin", bytes, null, Map.of()), source);
    }

    private void serve(IngestConfig config, ImagePublisher publisher) throws IOException, InterruptedException {
        try (HttpIngestServer server = new HttpIngestServer(config, publisher).start()) {
            err.println("ingest: HTTP endpoint on " + config.getString(IngestConfig.HTTP_HOST) + ":" + server.port()
                    + " (POST /images), topic " + publisher.topic());
            untilInterrupted(() -> new CountDownLatch(1).await());
        }
    }

    @FunctionalInterface
    private interface Blocking {
        void run() throws IOException, InterruptedException;
    }

    /** Runs {@code body} until Ctrl-C: the shutdown hook interrupts it and waits for the clean close. */
    private static void untilInterrupted(Blocking body) throws IOException {
        Thread main = Thread.currentThread();
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            main.interrupt();
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ingest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            body.run();
        } catch (InterruptedException e) {
            Thread.interrupted(); // clear it: the producer must still flush and close
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits on the latch just released
            }
        }
    }

    /** Usage and every setting with its type, default and documentation, from {@link IngestConfig#CONFIG}. */
    public static String help() {
        StringBuilder b = new StringBuilder();
        b.append("usage: ingest [settings] PATH | - | --watch DIR | --http\n\n");
        b.append("  PATH   a folder tree, a tar / tar.gz / WebDataset shard, or one image file\n");
        b.append("  -      one image from standard input\n\n");
        b.append("settings (--name=value; booleans alone mean true; kafka.* go to the producer):\n");
        for (var key : IngestConfig.CONFIG.configKeys().values()) {
            Object def = key.hasDefault() ? key.defaultValue : null;
            b.append(String.format("  --%s (%s%s)%n      %s%n", key.name, key.type.name().toLowerCase(),
                    key.hasDefault() ? ", default " + (def == null || "".equals(def) ? "none" : def) : ", required", key.documentation));
        }
        b.append("\nexit status: 0 all sent; 1 images refused (0 with --tolerate-refused); 2 bad usage;\n")
                .append("             3 records not acknowledged by Kafka; 4 the source could not be read\n");
        return b.toString();
    }
}
