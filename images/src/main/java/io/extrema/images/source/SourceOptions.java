package io.extrema.images.source;

import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * How sources read.
 *
 * @param labelByFolder  label an image with its parent folder name (ImageFolder convention: {@code split/<class>/x.jpg})
 *                       when no WebDataset {@code .cls} side file gives one
 * @param shuffleSeed    folder sources: null for sorted path order, else a seeded shuffle (tar streams keep their order)
 * @param maxEntryBytes  entries larger than this are skipped without being read into memory
 * @param onSkipped      told about every skipped entry, so that nothing disappears silently
 */
public record SourceOptions(
        boolean labelByFolder, Long shuffleSeed, long maxEntryBytes, Consumer<SkippedEntry> onSkipped) {
    public static SourceOptions defaults() {
        return new SourceOptions(
                true,
                null,
                64L * 1024 * 1024,
                s -> LoggerFactory.getLogger(SourceOptions.class).warn("skipped {}: {} bytes", s.key(), s.size()));
    }

    public SourceOptions withLabelByFolder(boolean value) {
        return new SourceOptions(value, shuffleSeed, maxEntryBytes, onSkipped);
    }

    public SourceOptions withShuffleSeed(Long value) {
        return new SourceOptions(labelByFolder, value, maxEntryBytes, onSkipped);
    }

    public SourceOptions withMaxEntryBytes(long value) {
        return new SourceOptions(labelByFolder, shuffleSeed, value, onSkipped);
    }

    public SourceOptions withOnSkipped(Consumer<SkippedEntry> value) {
        return new SourceOptions(labelByFolder, shuffleSeed, maxEntryBytes, value);
    }
}
