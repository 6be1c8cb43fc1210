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
 * k-NN accuracy of the target encoder's class token on a small labelled probe set, while training goes on. With a
 * bank set (the labelled images the stream trains on, say) every image of the probe set is a query against it, the
 * usual k-NN protocol; without one the probe set is split in two by position (even: the bank, odd: the queries), so
 * it needs nothing else. A few hundred queries give a coarse but monotone signal that the features are improving; one
 * query is 100 / queries points, so a larger set resolves smaller changes.
 */
public final class OnlineProbe {
    private static final Logger log = LoggerFactory.getLogger(OnlineProbe.class);
    private static final int EMBED_BATCH = 64;

    private final float[][] bankImages;
    private final int[] bankLabels;
    private final float[][] queryImages;
    private final int[] queryLabels;

    private OnlineProbe(Labelled bank, Labelled queries) {
        bankImages = bank.images().toArray(float[][]::new);
        bankLabels = bank.labels().stream().mapToInt(Integer::intValue).toArray();
        queryImages = queries.images().toArray(float[][]::new);
        queryLabels = queries.labels().stream().mapToInt(Integer::intValue).toArray();
    }

    /** Labelled, preprocessed images, in source order. */
    private record Labelled(List<float[]> images, List<Integer> labels) {
        Labelled() {
            this(new ArrayList<>(), new ArrayList<>());
        }
    }

    /**
     * Reads up to {@code max} labelled images (unlabelled and undecodable ones are skipped) and preprocesses them;
     * even positions are the bank, odd ones the queries.
     */
    public static OnlineProbe load(Path source, int max, EvalTransform transform) throws IOException {
        Map<String, Integer> classes = new HashMap<>();
        Labelled all = read(source, max, transform, classes);
        Labelled bank = new Labelled();
        Labelled queries = new Labelled();
        for (int i = 0; i < all.images().size(); i++) {
            Labelled to = i % 2 == 0 ? bank : queries;
            to.images().add(all.images().get(i));
            to.labels().add(all.labels().get(i));
        }
        return checked(source, bank, queries, classes);
    }

    /** Up to {@code max} labelled images of {@code queries} against up to {@code max} of {@code bank}. */
    public static OnlineProbe load(Path queries, Path bank, int max, EvalTransform transform) throws IOException {
        Map<String, Integer> classes = new HashMap<>();
        Labelled b = read(bank, max, transform, classes);
        Labelled q = read(queries, max, transform, classes);
        return checked(queries, b, q, classes);
    }

    private static OnlineProbe checked(Path source, Labelled bank, Labelled queries, Map<String, Integer> classes)
            throws IOException {
        if (bank.images().isEmpty() || queries.images().isEmpty() || classes.size() < 2) {
            throw new IOException("probe set " + source + " needs labelled images of two classes or more, both as"
                    + " bank and as queries; found " + bank.images().size() + " and "
                    + queries.images().size()
                    + " of " + classes.size() + " classes");
        }
        log.info(
                "probe set: {} queries against a bank of {}, {} classes, from {}",
                queries.images().size(),
                bank.images().size(),
                classes.size(),
                source);
        return new OnlineProbe(bank, queries);
    }

    private static Labelled read(Path source, int max, EvalTransform transform, Map<String, Integer> classes)
            throws IOException {
        Labelled out = new Labelled();
        try (ImageSource images = ImageSources.open(source)) {
            for (SourceImage img : images) {
                if (out.images().size() >= max) {
                    break;
                }
                if (img.label() == null) {
                    continue;
                }
                try {
                    DecodedImage decoded = ImageDecoder.decode(img.bytes(), ImageLimits.defaults());
                    out.images().add(transform.apply(decoded));
                    out.labels().add(classes.computeIfAbsent(img.label(), k -> classes.size()));
                } catch (ImageRejectedException e) {
                    log.warn("probe image {} skipped: {}", img.key(), e.getMessage());
                }
            }
        }
        return out;
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
