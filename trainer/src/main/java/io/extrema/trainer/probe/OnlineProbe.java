package io.extrema.trainer.probe;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.model.Embedder;
import io.extrema.model.Embeddings;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.eval.KnnEvaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * k-NN accuracy of the target encoder's class token on a small labelled probe set, while training goes on. The set
 * is split in two by position (even: the k-NN bank, odd: the queries), so it needs no separate test split; a few
 * hundred images give a coarse but monotone signal that the features are improving.
 */
public final class OnlineProbe {
    private static final Logger log = LoggerFactory.getLogger(OnlineProbe.class);
    private static final int EMBED_BATCH = 64;

    private final float[][] bankImages;
    private final int[] bankLabels;
    private final float[][] queryImages;
    private final int[] queryLabels;

    private OnlineProbe(List<float[]> images, List<Integer> labels) {
        int n = images.size();
        bankImages = new float[(n + 1) / 2][];
        bankLabels = new int[(n + 1) / 2];
        queryImages = new float[n / 2][];
        queryLabels = new int[n / 2];
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                bankImages[i / 2] = images.get(i);
                bankLabels[i / 2] = labels.get(i);
            } else {
                queryImages[i / 2] = images.get(i);
                queryLabels[i / 2] = labels.get(i);
            }
        }
    }

    /** Reads up to {@code max} labelled images (unlabelled and undecodable ones are skipped) and preprocesses them. */
    public static OnlineProbe load(Path source, int max, EvalTransform transform) throws IOException {
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Map<String, Integer> classes = new HashMap<>();
        try (ImageSource images0 = ImageSources.open(source)) {
            for (SourceImage img : images0) {
                if (images.size() >= max) {
                    break;
                }
                if (img.label() == null) {
                    continue;
                }
                try {
                    DecodedImage decoded = ImageDecoder.decode(img.bytes(), ImageLimits.defaults());
                    images.add(transform.apply(decoded));
                    labels.add(classes.computeIfAbsent(img.label(), k -> classes.size()));
                } catch (ImageRejectedException e) {
                    log.warn("probe image {} skipped: {}", img.key(), e.getMessage());
                }
            }
        }
        if (images.size() < 2 || classes.size() < 2) {
            throw new IOException("probe set " + source + " needs at least two labelled images of two classes, found "
                    + images.size() + " of " + classes.size());
        }
        log.info("probe set: {} images, {} classes from {}", images.size(), classes.size(), source);
        return new OnlineProbe(images, labels);
    }

    public int size() {
        return bankImages.length + queryImages.length;
    }

    /** Accuracy of weighted k-NN (k = 20, T = 0.07) of the queries against the bank. */
    public double accuracy(Embedder embedder) {
        return KnnEvaluator.standard()
                .evaluate(features(embedder, bankImages), bankLabels, features(embedder, queryImages), queryLabels)
                .accuracy();
    }

    private static float[][] features(Embedder embedder, float[][] images) {
        return embedder.embedAll(images, EMBED_BATCH, List.of(Embeddings::instance))
                .get(0);
    }
}
