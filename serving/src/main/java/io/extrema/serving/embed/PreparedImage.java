package io.extrema.serving.embed;

import io.extrema.schemas.avro.ImageRecord;

/**
 * An image record with its model input, handed from the decode step to the batch step inside one task.
 *
 * @param image the record as read
 * @param size  side the pixels were prepared for; 0 when no model was in place to say (prepared at batch time)
 * @param chw   float[3·size·size], or null when size is 0
 */
public record PreparedImage(ImageRecord image, int size, float[] chw) {}
