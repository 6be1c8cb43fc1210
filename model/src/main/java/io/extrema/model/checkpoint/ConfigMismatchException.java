package io.extrema.model.checkpoint;

import java.util.List;

/** An archive written for another model configuration; names every setting that differs. */
public final class ConfigMismatchException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    private final List<String> differences;

    ConfigMismatchException(List<String> differences) {
        super("archive was written for another configuration: " + differences);
        this.differences = List.copyOf(differences);
    }

    /** One entry per differing setting: {@code key=stored (expected wanted)}. */
    public List<String> differences() {
        return differences;
    }
}
