package io.extrema.trainer.replay;

import io.extrema.images.DecodedImage;
import io.extrema.trainer.offsets.RecordPosition;

/**
 * One buffered image: decoded pixels at buffer resolution and where it came from. The mutable fields belong to the
 * buffer and are read and written under its lock.
 */
public final class ReplayItem {
    // Object header, fields, array header: what an item costs beyond its pixels.
    private static final int OVERHEAD_BYTES = 160;

    private final RecordPosition position;
    private final String imageId;
    private final String label;
    private final DecodedImage image;

    int draws;
    float[] embedding; // L2-normalised target embedding from the item's last draw, null until drawn
    float nearestSimilarity = Float.NEGATIVE_INFINITY; // upper bound of the cosine to its nearest neighbour
    int slot = -1;

    public ReplayItem(RecordPosition position, String imageId, String label, DecodedImage image) {
        this.position = position;
        this.imageId = imageId;
        this.label = label;
        this.image = image;
    }

    public RecordPosition position() {
        return position;
    }

    public String imageId() {
        return imageId;
    }

    /** The record's label, for probes and tests only: training never reads it. */
    public String label() {
        return label;
    }

    public DecodedImage image() {
        return image;
    }

    /** What the item costs the buffer's byte bound: its pixels (embeddings are small and bounded by the count). */
    public long bytes() {
        return (long) image.rgb().length + OVERHEAD_BYTES;
    }
}
