package io.extrema.model.bench;

import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Encoded images of one split with their class index, for evaluation banks. Classes are indexed in the order of
 * the {@code classes} list, so a train and a test split share one numbering.
 *
 * @param source  where the images came from (a tar, tar.gz or folder tree)
 * @param jpegs   encoded image bytes
 * @param labels  class index of each image
 * @param classes class names, index = label
 */
public record LabelledImages(Path source, List<byte[]> jpegs, int[] labels, List<String> classes) {

    /** Every labelled image of an archive or folder; classes are the sorted folder names found. */
    public static LabelledImages load(Path path) throws IOException {
        List<byte[]> bytes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (ImageSource source = ImageSources.open(path)) {
            for (SourceImage image : source) {
                if (image.label() == null) throw new IOException(path + ": image " + image.key() + " has no label");
                bytes.add(image.bytes());
                names.add(image.label());
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reading " + path, e);
        }
        List<String> classes = names.stream().distinct().sorted().toList();
        return new LabelledImages(
                path, bytes, names.stream().mapToInt(classes::indexOf).toArray(), classes);
    }

    /** Re-indexes the labels to another split's class list (a class it lacks is an error). */
    public LabelledImages withClasses(List<String> other) {
        int[] relabelled = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int idx = other.indexOf(classes.get(labels[i]));
            if (idx < 0) throw new IllegalArgumentException("class " + classes.get(labels[i]) + " not in " + other);
            relabelled[i] = idx;
        }
        return new LabelledImages(source, jpegs, relabelled, other);
    }

    /** A fixed random subset of {@code n} images (all if n >= size), chosen by a seeded shuffle. */
    public LabelledImages subset(int n, long seed) {
        if (n >= jpegs.size()) return this;
        int[] order = new int[jpegs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<byte[]> b = new ArrayList<>(n);
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            b.add(jpegs.get(order[i]));
            l[i] = labels[order[i]];
        }
        return new LabelledImages(source, b, l, classes);
    }

    /** The encoded images without their labels: the only form the training loop accepts. */
    public UnlabelledImages withoutLabels() {
        return new UnlabelledImages(source, jpegs);
    }

    public int size() {
        return jpegs.size();
    }
}
