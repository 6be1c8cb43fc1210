package io.extrema.ops.demo;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CIFAR-10 sample that ships with the project ({@code data/cifar10-sample/{train,test}.tar.gz}, 2,000 + 500
 * labelled JPEGs), found from the project root: the {@code extrema.home} system property (the launcher sets it),
 * else the working directory or the folder the ops classes were loaded from, and their parents.
 */
public final class SampleData {
    public static final String HOME_PROPERTY = "extrema.home";
    public static final Path FOLDER = Path.of("data", "cifar10-sample");
    /**
     * Target weights of {@code cifar-tiny} trained by the project on the CIFAR-10 train split (never its test split,
     * where the sample's probe images come from); data/warm-start/README.md has the command that made them.
     */
    public static final Path WARM_START = Path.of("data", "warm-start", "cifar-tiny.weights");

    private SampleData() {}

    /** The sample folder, or empty when no candidate root holds it. */
    public static Optional<Path> locate() {
        return find(FOLDER.resolve("train.tar.gz")).map(Path::getParent);
    }

    /** The first file at {@code relative} under a candidate root or one of its parents. */
    private static Optional<Path> find(Path relative) {
        for (Path start : roots()) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(relative);
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** The sample folder, or an explanation of where it was looked for. */
    public static Path require() {
        return locate().orElseThrow(() -> new IllegalStateException("the image sample " + FOLDER
                + " was not found above " + roots() + "; run from the project folder, set -D" + HOME_PROPERTY
                + "=<project folder>, or give --demo.data PATH"));
    }

    /** The shipped warm start, found where the sample is ({@link #require()}), or an explanation. */
    public static Path warmStart() {
        return find(WARM_START)
                .orElseThrow(() -> new IllegalStateException("the demo's warm start " + WARM_START
                        + " was not found above " + roots() + "; restore it from the project (git checkout -- "
                        + WARM_START
                        + ")"));
    }

    private static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) roots.add(Path.of(home).toAbsolutePath());
        roots.add(Path.of("").toAbsolutePath());
        try {
            roots.add(Path.of(SampleData.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            // no code source (unusual class loader): the other roots remain
        }
        return roots;
    }
}
