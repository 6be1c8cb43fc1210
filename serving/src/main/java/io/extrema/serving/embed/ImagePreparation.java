package io.extrema.serving.embed;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.RejectReason;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import java.nio.ByteBuffer;

/**
 * An image record's bytes to the model's input: decoded within the limits, then the deterministic evaluation
 * transform (resize, centre crop, normalise) to the model's image size.
 *
 * @param limits        refused before decoding when the header says the image is too large
 * @param imagenetCrop  resize to size/0.875 and centre-crop (ImageNet evaluation) rather than resize the whole
 * @param normalisation the channel statistics the model was trained with
 */
public record ImagePreparation(ImageLimits limits, boolean imagenetCrop, Normalisation normalisation) {

    /** @return float[3·size·size], CHW, normalised */
    public float[] prepare(ImageRecord image, int size) {
        return transform(size).apply(decode(image));
    }

    public EvalTransform transform(int size) {
        return imagenetCrop ? EvalTransform.imagenet(size, normalisation) : EvalTransform.whole(size, normalisation);
    }

    /** Decodes, or throws the reason it cannot. */
    public DecodedImage decode(ImageRecord image) {
        byte[] bytes = bytes(image.getData());
        try {
            limits.checkBytes(bytes.length);
            if (image.getEncoding() == ImageEncoding.RAW_RGB) {
                limits.checkDimensions(image.getWidth(), image.getHeight());
                if ((long) image.getWidth() * image.getHeight() * 3 != bytes.length) {
                    throw new ImageRejectedException(
                            RejectReason.CORRUPT,
                            "raw RGB "
                                    + image.getWidth() + "x" + image.getHeight() + " needs "
                                    + (long) image.getWidth() * image.getHeight() * 3 + " bytes, has " + bytes.length);
                }
                return new DecodedImage(image.getWidth(), image.getHeight(), bytes);
            }
            return ImageDecoder.decode(bytes, limits);
        } catch (ImageRejectedException e) {
            throw new UndecodableImageException(image.getId(), e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
