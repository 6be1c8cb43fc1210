package io.extrema.model.bench;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import io.extrema.model.eval.ClassificationResult;
import io.extrema.model.eval.KnnEvaluator;
import io.extrema.model.eval.RawPixelBaseline;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The labelled images k-NN is scored with, preprocessed once by the eval transform: a bank of training-split
 * images with their labels (the neighbours) and the test-split images with theirs (scored only).
 *
 * @param train       training-split images, CHW normalised
 * @param trainLabels their labels
 * @param test        test-split images, CHW normalised
 * @param testLabels  their labels; used only to score predictions
 * @param testSource  where the test images came from, so training can refuse that source
 */
public record EvalBank(float[][] train, int[] trainLabels, float[][] test, int[] testLabels, Path testSource) {

    public static EvalBank of(LabelledImages train, LabelledImages test, EvalTransform transform) throws IOException {
        LabelledImages t = test.withClasses(train.classes());
        return new EvalBank(
                preprocess(train, transform), train.labels(), preprocess(t, transform), t.labels(), test.source());
    }

    /**
     * The raw-pixel reference: pixel values in [0, 1] at the eval size, mean-centred per dimension over the
     * bank's training images, cosine k-NN.
     */
    public static ClassificationResult rawPixelBaseline(
            LabelledImages train, LabelledImages test, int size, KnnEvaluator knn) throws IOException {
        EvalTransform pixels = EvalTransform.whole(size, Normalisation.NONE);
        LabelledImages t = test.withClasses(train.classes());
        return new RawPixelBaseline(knn)
                .evaluate(preprocess(train, pixels), train.labels(), preprocess(t, pixels), t.labels());
    }

    private static float[][] preprocess(LabelledImages images, EvalTransform transform) throws IOException {
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            try {
                DecodedImage image = ImageDecoder.decode(images.jpegs().get(i), ImageLimits.defaults());
                out[i] = transform.apply(image);
            } catch (ImageRejectedException e) {
                // An evaluation image that cannot be read would silently change the protocol: stop.
                throw new IOException("evaluation image " + i + " of " + images.source() + " rejected", e);
            }
        }
        return out;
    }
}
