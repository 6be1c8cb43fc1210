package io.extrema.images.source;

/** A source entry not delivered because it is larger than {@link SourceOptions#maxEntryBytes()}; its bytes are never buffered. */
public record SkippedEntry(String key, long size) {}
