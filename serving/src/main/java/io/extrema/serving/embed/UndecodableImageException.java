package io.extrema.serving.embed;

import io.extrema.images.ImageRejectedException;

/** An image that cannot be embedded (corrupt, unsupported, over the limits); it is dead-lettered with this reason. */
public final class UndecodableImageException extends RuntimeException {
    public UndecodableImageException(String imageId, ImageRejectedException cause) {
        super("image " + imageId + " rejected: " + cause.getMessage(), cause);
    }
}
