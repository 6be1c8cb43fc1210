package io.extrema.serving.embed;

import io.extrema.images.DecodedImage;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.serving.live.LiveModel;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes each image and applies the evaluation transform for the current model's image size. Per record, so a
 * bad image throws here, alone, and the processing-exception handler dead-letters it with its original bytes;
 * it never reaches (and never fails) a batch.
 */
public final class DecodeProcessor extends ContextualProcessor<String, ImageRecord, String, PreparedImage> {
    private final ImagePreparation preparation;
    private final LiveModel live;

    public DecodeProcessor(ImagePreparation preparation, LiveModel live) {
        this.preparation = preparation;
        this.live = live;
    }

    @Override
    public void process(Record<String, ImageRecord> record) {
        ImageRecord image = record.value();
        if (image == null) {
            return; // a tombstone on the images topic deletes nothing here
        }
        DecodedImage pixels = preparation.decode(image);
        int size = live.imageSize();
        PreparedImage prepared = size == 0
                ? new PreparedImage(image, 0, null)
                : new PreparedImage(image, size, preparation.transform(size).apply(pixels));
        context().forward(record.withValue(prepared));
    }
}
