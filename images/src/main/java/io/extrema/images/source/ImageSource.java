package io.extrema.images.source;

import java.io.IOException;
import java.util.OptionalLong;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A sequence of images from somewhere (a folder tree, a tar shard). Iteration reads lazily and may be single-use
 * (tar streams); read failures surface as {@link java.io.UncheckedIOException}. Close it to release files.
 */
public interface ImageSource extends AutoCloseable, Iterable<SourceImage> {

    /** A short description of the source (a path), used as the {@code source} of records. */
    String name();

    /** How many images iteration will yield, when that is cheaply known (a folder listing), else empty. */
    OptionalLong total();

    default Stream<SourceImage> stream() {
        return StreamSupport.stream(spliterator(), false);
    }

    @Override
    void close() throws IOException;

    /** File name extensions read as images; everything else is a side file or ignored. */
    static boolean isImageName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) return false;
        return switch (name.substring(dot + 1).toLowerCase()) {
            case "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp" -> true;
            default -> false;
        };
    }
}
