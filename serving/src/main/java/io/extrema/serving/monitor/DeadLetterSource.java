package io.extrema.serving.monitor;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.ImageRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Which source a serving dead letter belongs to: a {@code source} header when the stage set one, else the source
 * of the original image record when its bytes still decode, else {@value #UNKNOWN}.
 */
final class DeadLetterSource {
    static final String UNKNOWN = "unknown";

    private final Deserializer<ImageRecord> images;

    DeadLetterSource(Deserializer<ImageRecord> images) {
        this.images = images;
    }

    String of(DeadLetter letter) {
        ByteBuffer header = letter.getHeaders().get("source");
        if (header != null && header.remaining() > 0) {
            return StandardCharsets.UTF_8.decode(header.duplicate()).toString();
        }
        if (letter.getValue() != null) {
            try {
                ByteBuffer value = letter.getValue().duplicate();
                byte[] bytes = new byte[value.remaining()];
                value.get(bytes);
                ImageRecord image = images.deserialize(letter.getTopic() == null ? "" : letter.getTopic(), bytes);
                if (image != null && !image.getSource().isEmpty()) {
                    return image.getSource();
                }
            } catch (RuntimeException notAnImageRecord) {
                // Dead-lettered precisely because it did not decode: its source is unknown, and that is all.
                return UNKNOWN;
            }
        }
        return UNKNOWN;
    }
}
