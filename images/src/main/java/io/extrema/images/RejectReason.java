package io.extrema.images;

/** Why an image was refused. Stable names: they appear in summaries, metrics and dead-letter records. */
public enum RejectReason {
    /** Zero bytes. */
    EMPTY,
    /** More bytes than {@link ImageLimits#maxBytes()}. */
    TOO_LARGE_BYTES,
    /** Declared width × height above {@link ImageLimits#maxPixels()} (a decompression bomb is refused here). */
    TOO_MANY_PIXELS,
    TOO_WIDE,
    TOO_TALL,
    /** No image signature at all. */
    NOT_AN_IMAGE,
    /** A recognised image format (or variant, such as arithmetic-coded JPEG) the decoder cannot read. */
    UNSUPPORTED_FORMAT,
    /** A colour model the decoder does not convert, such as a 2-component (gray + alpha) JPEG. */
    UNSUPPORTED_COLOR_SPACE,
    /** The bytes end before the image does. */
    TRUNCATED,
    /** Structurally invalid: bad header, zero size, undecodable data. */
    CORRUPT
}
