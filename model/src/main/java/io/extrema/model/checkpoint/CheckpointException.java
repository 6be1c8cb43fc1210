package io.extrema.model.checkpoint;

import java.io.IOException;

/** A checkpoint or weights archive that is corrupt, truncated or written for another model. */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }
}
