package io.extrema.images.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Images in a folder tree (recursive; hidden files and non-image extensions ignored), or a single image file.
 * Keys are paths relative to the root with {@code /} separators; the listing is sorted by key, or shuffled with a
 * seed. Bytes are read one file at a time as iteration reaches it.
 */
public final class FolderSource implements ImageSource {
    private final Path root;
    private final SourceOptions options;
    private final List<Path> files;

    public FolderSource(Path root, SourceOptions options) throws IOException {
        this.root = root;
        this.options = options;
        List<Path> listed = new ArrayList<>();
        if (Files.isRegularFile(root)) {
            listed.add(root);
        } else {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile)
                        .filter(p -> !isHidden(root.relativize(p)))
                        .filter(p -> ImageSource.isImageName(p.getFileName().toString()))
                        .forEach(listed::add);
            }
            listed.sort((a, b) -> key(a).compareTo(key(b)));
        }
        if (options.shuffleSeed() != null) Collections.shuffle(listed, new Random(options.shuffleSeed()));
        this.files = List.copyOf(listed);
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    private String key(Path file) {
        if (file.equals(root)) return file.getFileName().toString();
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    @Override
    public String name() {
        return root.toString();
    }

    @Override
    public OptionalLong total() {
        return OptionalLong.of(files.size());
    }

    /** The files iteration will read, in order. */
    public List<Path> files() {
        return files;
    }

    @Override
    public Iterator<SourceImage> iterator() {
        return new Iterator<>() {
            private int next = 0;
            private SourceImage ready;

            @Override
            public boolean hasNext() {
                while (ready == null && next < files.size()) ready = read(files.get(next++));
                return ready != null;
            }

            @Override
            public SourceImage next() {
                if (!hasNext()) throw new NoSuchElementException();
                SourceImage image = ready;
                ready = null;
                return image;
            }
        };
    }

    /** The image at {@code file}, or null when it vanished or is too large (reported to {@link SourceOptions#onSkipped}). */
    private SourceImage read(Path file) {
        String key = key(file);
        try {
            long size = Files.size(file);
            if (size > options.maxEntryBytes()) {
                options.onSkipped().accept(new SkippedEntry(key, size));
                return null;
            }
            Path parent = file.getParent();
            String label = options.labelByFolder() && !file.equals(root) && !root.equals(parent) && parent != null
                    ? parent.getFileName().toString()
                    : null;
            return new SourceImage(key, Files.readAllBytes(file), label, Map.of());
        } catch (NoSuchFileException e) {
            return null; // deleted since the listing: nothing to send
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    @Override
    public void close() {}
}
