package io.extrema.images;

/** An image refused by the probe or the decoder, with a machine-readable reason and a readable message. */
public class ImageRejectedException extends Exception {
    private final RejectReason reason;

    public ImageRejectedException(RejectReason reason, String message) {
        this(reason, message, null);
    }

    public ImageRejectedException(RejectReason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
