package io.extrema.ingest;

import io.extrema.images.ImageFormat;
import io.extrema.images.source.SourceImage;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/** Builds the {@link ImageRecord} for an accepted image; its id is its key on the topic. */
public final class ImageRecords {

    /** Hex SHA-256 of {@code bytes}: the default id, so the same image always gets the same key. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * @param idMode {@link IngestConfig#ID_SHA256} or {@link IngestConfig#ID_KEY}
     * @param id     an id given by the caller (HTTP), or null to derive one by {@code idMode}
     */
    public static ImageRecord build(
            SourceImage image,
            ImageValidator.Accepted accepted,
            String idMode,
            String id,
            String source,
            Instant eventTime) {
        String recordId = id != null ? id : IngestConfig.ID_KEY.equals(idMode) ? image.key() : sha256(accepted.bytes());
        return ImageRecord.newBuilder()
                .setId(recordId)
                .setSource(source)
                .setEventTime(eventTime)
                .setEncoding(encoding(accepted.header().format()))
                .setWidth(accepted.header().width())
                .setHeight(accepted.header().height())
                .setChannels(accepted.header().channels())
                .setData(ByteBuffer.wrap(accepted.bytes()))
                .setLabel(image.label())
                .setAttributes(image.attributes())
                .build();
    }

    static ImageEncoding encoding(ImageFormat format) {
        return switch (format) {
            case JPEG -> ImageEncoding.JPEG;
            case PNG -> ImageEncoding.PNG;
            case BMP -> ImageEncoding.BMP;
            case GIF -> ImageEncoding.GIF;
            default -> ImageEncoding.UNKNOWN;
        };
    }

    private ImageRecords() {}
}
