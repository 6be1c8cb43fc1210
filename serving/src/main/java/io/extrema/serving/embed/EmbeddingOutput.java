package io.extrema.serving.embed;

import io.extrema.model.ExtremaConfig;
import io.extrema.model.Rows;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.TokenGrid;
import io.extrema.serving.live.ModelId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an embedding record carries besides the instance embedding.
 *
 * @param tokens     the patch tokens and their grid shape
 * @param normalize  L2-normalise the instance embedding and each patch token
 * @param attributes copy the image's attributes
 */
public record EmbeddingOutput(boolean tokens, boolean normalize, boolean attributes) {

    /**
     * @param instance [D] class token of this image
     * @param patches  [N·D] its patch tokens, row-major over the grid
     */
    public EmbeddingRecord record(
            ImageRecord image,
            ModelId model,
            ExtremaConfig config,
            float[] instance,
            float[] patches,
            Instant processingTime) {
        int dim = config.dim();
        int side = config.imageSize() / config.patchSize();
        EmbeddingRecord.Builder b = EmbeddingRecord.newBuilder()
                .setImageId(image.getId())
                .setModelName(model.name())
                .setModelVersion(model.version())
                .setModelStep(model.step())
                .setInstance(floats(instance, 0, instance.length))
                .setNormalized(normalize)
                .setSource(image.getSource())
                .setLabel(image.getLabel())
                .setEventTime(image.getEventTime())
                .setProcessingTime(processingTime)
                .setAttributes(attributes ? image.getAttributes() : Map.of());
        if (tokens) {
            b.setTokens(floats(patches, dim, patches.length)).setTokenGrid(new TokenGrid(side, side, dim));
        }
        return b.build();
    }

    /** Boxed for Avro; each run of {@code group} values (a whole vector when 0) L2-normalised when configured. */
    private List<Float> floats(float[] values, int group, int length) {
        int g = group == 0 ? length : group;
        List<Float> out = new ArrayList<>(length);
        for (int start = 0; start < length; start += g) {
            double norm = normalize ? Rows.norm(values, start, g) : 0;
            double scale = norm > 0 ? 1 / norm : 1;
            for (int i = start; i < start + g; i++) {
                out.add((float) (values[i] * scale));
            }
        }
        return out;
    }
}
