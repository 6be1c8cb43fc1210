package io.extrema.images.source;

import java.util.Map;
import java.util.Objects;

/**
 * One image as a source delivers it: the bytes exactly as stored, never decoded or re-encoded.
 *
 * @param key        where it came from inside the source: a relative path, a tar member name
 * @param label      class label when the source knows one (sub-folder name, WebDataset {@code .cls}), else null
 * @param attributes free-form metadata (a WebDataset {@code .json} side file's fields), never null
 */
public record SourceImage(String key, byte[] bytes, String label, Map<String, String> attributes) {
    public SourceImage {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(bytes, "bytes");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
