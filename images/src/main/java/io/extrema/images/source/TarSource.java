package io.extrema.images.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.zip.GZIPInputStream;

/**
 * Images in a tar archive, plain or gzip (recognised by its magic bytes), read as a stream: nothing is unpacked to
 * disk and only one WebDataset sample is held in memory. Members are grouped WebDataset-style by key (the member
 * name up to the first dot of its file name): {@code key.jpg} is the image, {@code key.cls} its label,
 * {@code key.json} its attributes (a flat object; nested values are kept as JSON text). Without a {@code .cls}, an
 * ImageFolder-style member {@code split/<class>/x.jpg} is labelled with its parent folder. Single use.
 */
public final class TarSource implements ImageSource {
    private final String name;
    private final SourceOptions options;
    private final TarReader reader;
    private boolean iterated;

    public TarSource(Path archive, SourceOptions options) throws IOException {
        this(archive.toString(), Files.newInputStream(archive), options);
    }

    /** Reads {@code in} (plain or gzip tar) and closes it when closed. */
    public TarSource(String name, InputStream in, SourceOptions options) throws IOException {
        this.name = name;
        this.options = options;
        this.reader = new TarReader(decompressed(in));
    }

    /** {@code in} itself, or gunzipped when it starts with the gzip magic bytes. */
    static InputStream decompressed(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        return b0 == 0x1F && b1 == 0x8B
                ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16)
                : buffered;
    }

    /** Counts the image members of a tar by reading its headers only (a plain tar seeks past the data). */
    public static long countImages(Path archive) throws IOException {
        try (TarReader reader = new TarReader(decompressed(Files.newInputStream(archive)))) {
            long count = 0;
            for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
                if (ImageSource.isImageName(e.name())) count++;
            }
            return count;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalLong total() {
        return OptionalLong.empty();
    }

    @Override
    public Iterator<SourceImage> iterator() {
        if (iterated) throw new IllegalStateException("a tar source streams once; open it again to re-read");
        iterated = true;
        return new Iterator<>() {
            private final ArrayDeque<SourceImage> ready = new ArrayDeque<>();
            private TarReader.Entry pending; // first member of the next sample, already read
            private boolean ended;

            @Override
            public boolean hasNext() {
                try {
                    while (ready.isEmpty() && !ended) readSample();
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + name, e);
                }
                return !ready.isEmpty();
            }

            @Override
            public SourceImage next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.poll();
            }

            /** Reads the members sharing one key and queues its images with the side files' label and attributes. */
            private void readSample() throws IOException {
                TarReader.Entry entry = pending != null ? pending : reader.next();
                pending = null;
                if (entry == null) {
                    ended = true;
                    return;
                }
                String key = sampleKey(entry.name());
                List<String> imageNames = new ArrayList<>();
                List<byte[]> images = new ArrayList<>();
                String cls = null;
                Map<String, String> attributes = new HashMap<>();
                for (; entry != null && sampleKey(entry.name()).equals(key); entry = reader.next()) {
                    String member = entry.name();
                    if (ImageSource.isImageName(member)) {
                        if (entry.size() > options.maxEntryBytes()) {
                            options.onSkipped().accept(new SkippedEntry(member, entry.size()));
                        } else {
                            imageNames.add(member);
                            images.add(reader.readData());
                        }
                    } else if (member.endsWith(".cls") && entry.size() < 4096) {
                        cls = new String(reader.readData(), StandardCharsets.UTF_8).trim();
                    } else if (member.endsWith(".json") && entry.size() < 1 << 20) {
                        attributes.putAll(FlatJson.parse(new String(reader.readData(), StandardCharsets.UTF_8)));
                    }
                }
                pending = entry;
                for (int i = 0; i < images.size(); i++) {
                    String label = cls != null && !cls.isEmpty() ? cls : folderLabel(imageNames.get(i));
                    ready.add(new SourceImage(imageNames.get(i), images.get(i), label, attributes));
                }
            }
        };
    }

    private String folderLabel(String member) {
        if (!options.labelByFolder()) return null;
        String[] parts = member.split("/");
        return parts.length >= 2 && !parts[parts.length - 2].equals(".") ? parts[parts.length - 2] : null;
    }

    /** WebDataset's key: the member name up to the first dot of its file name. */
    static String sampleKey(String member) {
        int slash = member.lastIndexOf('/');
        int dot = member.indexOf('.', slash + 1);
        return dot < 0 ? member : member.substring(0, dot);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
