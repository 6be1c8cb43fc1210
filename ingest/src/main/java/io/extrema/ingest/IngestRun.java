package io.extrema.ingest;

import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SkippedEntry;
import io.extrema.images.source.SourceImage;
import io.extrema.images.source.SourceOptions;
import io.extrema.images.source.TarSource;
import io.extrema.ingest.http.HttpIngestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;

/**
 * One ingest run, in one of its modes: a path (folder tree, tar / tar.gz / WebDataset shard, one image file), one
 * image from standard input, a watched folder or the HTTP endpoint, until done or Ctrl-C. The progress bar goes to
 * {@code err}, the final summary to {@code out}; the result is the exit status: {@value #OK} all sent;
 * {@value #REFUSED} some images refused (and dead-lettered; {@code tolerate.refused} makes this 0); {@value #KAFKA}
 * some records not acknowledged by Kafka; {@value #SOURCE} the source could not be read. The command line is parsed
 * by {@code extrema ingest} (module ops) against {@link IngestConfig#CONFIG}; bad usage there exits with 2.
 */
public final class IngestRun {
    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int KAFKA = 3;
    public static final int SOURCE = 4;

    private final IngestConfig config;
    private final InputStream stdin;
    private final PrintStream out;
    private final PrintStream err;
    private final IngestStats stats = new IngestStats();

    public IngestRun(IngestConfig config, InputStream stdin, PrintStream out, PrintStream err) {
        this.config = config;
        this.stdin = stdin;
        this.out = out;
        this.err = err;
    }

    /** Sends a folder tree, a tar / tar.gz / WebDataset shard or one image file, {@code loops} times. */
    public int sendPath(Path path) {
        return run((publisher, ingestor) -> sendPath(ingestor, path));
    }

    /** Sends the one image on standard input. */
    public int sendStdin() {
        return run((publisher, ingestor) -> {
            sendStdin(ingestor, sourceName("stdin"), config.getLong(IngestConfig.MAX_BYTES));
            publisher.flush();
        });
    }

    /** Sends every file that appears under {@code dir} (once fully written), until Ctrl-C. */
    public int watch(Path dir) {
        return run((publisher, ingestor) -> {
            if (!Files.isDirectory(dir)) throw new IOException("not a folder: " + dir);
            DirectoryWatch watch = new DirectoryWatch(
                    dir,
                    ingestor,
                    sourceName(dir.toString()),
                    config.getLong(IngestConfig.WATCH_SETTLE_MS),
                    config.getBoolean(IngestConfig.LABEL_BY_FOLDER));
            untilInterrupted(() -> watch.run(new Progress(err, quiet(), -1, stats)));
            publisher.flush();
        });
    }

    /** The HTTP endpoint (POST /images), until Ctrl-C. */
    public int serveHttp() {
        return run((publisher, ingestor) -> {
            try (HttpIngestServer server = new HttpIngestServer(config, publisher).start()) {
                out.println("Ingest HTTP endpoint on http://" + config.getString(IngestConfig.HTTP_HOST) + ":"
                        + server.port() + "/images (POST), topic " + publisher.topic() + ". Ctrl-C stops it.");
                untilInterrupted(() -> new CountDownLatch(1).await());
            }
        });
    }

    @FunctionalInterface
    private interface Mode {
        void run(ImagePublisher publisher, Ingestor ingestor) throws IOException, InterruptedException;
    }

    /** Runs one mode with its publisher; reports what failed and the summary, and returns the exit status. */
    private int run(Mode mode) {
        try (ImagePublisher publisher = ImagePublisher.create(config)) {
            mode.run(publisher, new Ingestor(config, publisher, stats));
        } catch (IOException | UncheckedIOException e) {
            err.println("extrema ingest: cannot read the source: " + e.getMessage());
            out.print(stats.summary());
            return SOURCE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopped: what was sent is summarised below
        } catch (KafkaException e) {
            err.println("extrema ingest: Kafka: " + e.getMessage());
            out.print(stats.summary());
            return KAFKA;
        }
        out.print(stats.summary());
        return exitStatus(stats, config.getBoolean(IngestConfig.TOLERATE_REFUSED));
    }

    static int exitStatus(IngestStats stats, boolean tolerateRefused) {
        if (stats.failed() > 0) return KAFKA;
        if (stats.refusedTotal() > 0 && !tolerateRefused) return REFUSED;
        return OK;
    }

    private boolean quiet() {
        return config.getBoolean(IngestConfig.QUIET);
    }

    /** The records' source field: {@code source.name}, or what was read. */
    private String sourceName(String read) {
        String name = config.getString(IngestConfig.SOURCE_NAME);
        return name.isEmpty() ? read : name;
    }

    private void sendPath(Ingestor ingestor, Path path) throws IOException, InterruptedException {
        String source = sourceName(path.toString());
        Long seed = config.getLong(IngestConfig.SHUFFLE_SEED);
        SourceOptions options = SourceOptions.defaults()
                .withLabelByFolder(config.getBoolean(IngestConfig.LABEL_BY_FOLDER))
                .withShuffleSeed(seed)
                .withMaxEntryBytes(config.getLong(IngestConfig.MAX_BYTES))
                .withOnSkipped(entry -> ingestor.skipped(entry, source));
        int loops = config.getInt(IngestConfig.LOOPS);
        long total = -1;
        if (!quiet() && loops > 0) {
            try (var probe = ImageSources.open(path, options)) {
                OptionalLong known = probe.total();
                // A plain tar's headers are counted by seeking past the data: cheap enough for an ETA.
                if (known.isPresent()) total = known.getAsLong() * loops;
                else if (!isGzip(path)) total = TarSource.countImages(path) * loops;
            }
        }
        Progress progress = new Progress(err, quiet(), total, stats);
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
            ingestor.skipped(new SkippedEntry("stdin", size), source);
            return;
        }
        ingestor.send(new SourceImage("stdin", bytes, null, Map.of()), source);
    }

    @FunctionalInterface
    private interface Blocking {
        void run() throws IOException, InterruptedException;
    }

    /** Runs {@code body} until Ctrl-C: the shutdown hook interrupts it and waits for the clean close. */
    private static void untilInterrupted(Blocking body) throws IOException {
        Thread main = Thread.currentThread();
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    main.interrupt();
                    try {
                        closed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "ingest-shutdown");
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
}
