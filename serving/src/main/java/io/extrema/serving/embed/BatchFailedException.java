package io.extrema.serving.embed;

/**
 * A batch could not be embedded (the model or the runtime failed, not an image): the service, not a record, is
 * broken, so this is never dead-lettered; the batch stays buffered and is retried by the replaced stream thread.
 */
public final class BatchFailedException extends RuntimeException {
    public BatchFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
