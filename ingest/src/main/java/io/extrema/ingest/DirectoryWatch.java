package io.extrema.ingest;

import io.extrema.images.source.ImageSource;
import io.extrema.images.source.SkippedEntry;
import io.extrema.images.source.SourceImage;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Watches a folder tree and sends each new image file once it is fully written: a file is sent when its size and
 * modification time have not changed for {@code watch.settle.ms}. Files present at start are not sent (ingest the
 * folder first for those). New sub-folders are watched as they appear. Runs until interrupted.
 */
public final class DirectoryWatch {
    private record Seen(long size, long modified, long sinceNanos) {}

    private final Path root;
    private final Ingestor ingestor;
    private final String sourceName;
    private final long settleNanos;
    private final boolean labelByFolder;
    private final Map<Path, Seen> pending = new HashMap<>();
    private final Set<Path> sent = new HashSet<>();

    public DirectoryWatch(Path root, Ingestor ingestor, String sourceName, long settleMs, boolean labelByFolder) {
        this.root = root;
        this.ingestor = ingestor;
        this.sourceName = sourceName;
        this.settleNanos = TimeUnit.MILLISECONDS.toNanos(settleMs);
        this.labelByFolder = labelByFolder;
    }

    /** Blocks, sending new files, until the thread is interrupted. */
    public void run(Progress progress) throws IOException, InterruptedException {
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            registerTree(watcher, root);
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watcher.poll(
                        Math.max(10, TimeUnit.NANOSECONDS.toMillis(settleNanos) / 4), TimeUnit.MILLISECONDS);
                if (key != null) {
                    Path dir = (Path) key.watchable();
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) continue;
                        Path path = dir.resolve((Path) event.context());
                        if (Files.isDirectory(path)) {
                            registerTree(watcher, path);
                        } else if (ImageSource.isImageName(path.getFileName().toString()) && !sent.contains(path)) {
                            pending.putIfAbsent(path, new Seen(-1, -1, System.nanoTime()));
                        }
                    }
                    key.reset();
                }
                sendSettled();
                progress.update();
            }
        }
    }

    private void registerTree(WatchService watcher, Path dir) throws IOException {
        try (Stream<Path> dirs = Files.walk(dir)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                d.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
                if (!dir.equals(root)) { // a new folder: files may have landed in it before it was registered
                    try (Stream<Path> files = Files.list(d)) {
                        files.filter(Files::isRegularFile)
                                .filter(f ->
                                        ImageSource.isImageName(f.getFileName().toString()))
                                .filter(f -> !sent.contains(f))
                                .forEach(f -> pending.putIfAbsent(f, new Seen(-1, -1, System.nanoTime())));
                    }
                }
            }
        }
    }

    private void sendSettled() throws IOException {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Path, Seen>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Path, Seen> e = it.next();
            Path path = e.getKey();
            long size;
            long modified;
            try {
                size = Files.size(path);
                modified = Files.getLastModifiedTime(path).toMillis();
            } catch (NoSuchFileException gone) {
                it.remove();
                continue;
            }
            Seen seen = e.getValue();
            if (size != seen.size() || modified != seen.modified()) {
                e.setValue(new Seen(size, modified, now)); // still being written
            } else if (now - seen.sinceNanos() >= settleNanos) {
                it.remove();
                sent.add(path);
                send(path, size);
            }
        }
    }

    private void send(Path path, long size) throws IOException {
        String key =
                root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
        long maxBytes = ingestor.limitsMaxBytes();
        if (size > maxBytes) {
            ingestor.skipped(new SkippedEntry(key, size), sourceName);
            return;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException gone) {
            return;
        }
        Path parent = path.getParent();
        String label =
                labelByFolder && !root.equals(parent) ? parent.getFileName().toString() : null;
        ingestor.send(new SourceImage(key, bytes, label, Map.of()), sourceName);
    }
}
