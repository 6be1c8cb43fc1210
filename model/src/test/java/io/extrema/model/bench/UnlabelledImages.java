package io.extrema.model.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Training input of the learning benchmark: encoded images and nothing else. The type carries no label, so the
 * training loop cannot see one.
 *
 * @param source where the images came from; checked against the evaluation test split
 * @param jpegs  encoded image bytes
 */
public record UnlabelledImages(Path source, List<byte[]> jpegs) {
    public UnlabelledImages {
        if (jpegs.isEmpty()) throw new IllegalArgumentException("no training images");
        jpegs = List.copyOf(jpegs);
    }
}
