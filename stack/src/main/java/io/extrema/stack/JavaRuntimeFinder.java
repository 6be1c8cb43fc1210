package io.extrema.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a Java runtime of at least a given feature version. The project itself runs on Java 17, but the schema
 * registry (a Quarkus app) needs Java 21+, so the stack looks for one in this order: the explicit setting,
 * {@code EXTREMA_REGISTRY_JAVA_HOME}, {@code JAVA_HOME}, the running JVM, then the usual install folders
 * (newest version wins there).
 */
public final class JavaRuntimeFinder {

    public static final String ENV_VAR = "EXTREMA_REGISTRY_JAVA_HOME";

    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?(\\d+)(?:\\.(\\d+))?");

    private final Map<String, String> env;
    private final Path currentJavaHome;
    private final int currentFeature;
    private final List<Path> installRoots;

    /** For tests: every input the search reads is given. */
    JavaRuntimeFinder(Map<String, String> env, Path currentJavaHome, int currentFeature, List<Path> installRoots) {
        this.env = env;
        this.currentJavaHome = currentJavaHome;
        this.currentFeature = currentFeature;
        this.installRoots = installRoots;
    }

    /** Reads this machine: the environment, the running JVM and the usual JDK install folders. */
    public static JavaRuntimeFinder forThisMachine() {
        Path home = Path.of(System.getProperty("user.home"));
        List<Path> roots = List.of(
                Path.of("/usr/lib/jvm"),
                Path.of("/usr/java"),
                Path.of("/opt/java"),
                Path.of("/Library/Java/JavaVirtualMachines"),
                home.resolve("Library/Java/JavaVirtualMachines"),
                home.resolve(".sdkman/candidates/java"),
                home.resolve(".jdks"),
                Path.of("C:\\Program Files\\Java"),
                Path.of("C:\\Program Files\\Eclipse Adoptium"));
        return new JavaRuntimeFinder(
                System.getenv(),
                Path.of(System.getProperty("java.home")),
                Runtime.version().feature(),
                roots);
    }

    /** A java home of at least {@code minFeature}, or a {@link StackException} telling the user how to provide one. */
    public Path require(int minFeature, Path explicitHome) {
        if (explicitHome != null) {
            int found = featureVersion(explicitHome);
            if (found < minFeature) {
                throw new StackException("the configured registry Java home " + explicitHome + " is "
                        + (found < 0 ? "not a JDK/JRE (no release file or bin/java)" : "Java " + found)
                        + "; the schema registry needs Java " + minFeature + "+");
            }
            return explicitHome;
        }
        return find(minFeature)
                .orElseThrow(() -> new StackException("the schema registry (Apicurio) needs Java " + minFeature
                        + "+, and none was found (looked at $"
                        + ENV_VAR + ", $JAVA_HOME, the running JVM (Java " + currentFeature + ") and " + installRoots
                        + "). Install a JDK " + minFeature + " or newer (e.g. Eclipse Temurin) and point at it with "
                        + ENV_VAR + "=<jdk home> or the stack.registry.java.home setting."));
    }

    /** A java home of at least {@code minFeature} from the environment, the running JVM or the install folders. */
    public Optional<Path> find(int minFeature) {
        for (String var : List.of(ENV_VAR, "JAVA_HOME")) {
            String value = env.get(var);
            if (value != null && !value.isBlank() && featureVersion(Path.of(value)) >= minFeature) {
                return Optional.of(Path.of(value));
            }
        }
        if (currentFeature >= minFeature) return Optional.of(currentJavaHome);
        return installed().stream()
                .filter(home -> featureVersion(home) >= minFeature)
                .max(Comparator.comparingInt(JavaRuntimeFinder::featureVersion));
    }

    private List<Path> installed() {
        List<Path> homes = new ArrayList<>();
        for (Path root : installRoots) {
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> children = Files.list(root)) {
                children.sorted().forEach(child -> {
                    homes.add(child);
                    homes.add(child.resolve("Contents").resolve("Home")); // macOS bundle layout
                });
            } catch (IOException e) {
                // an unreadable folder holds no runtime we could use; keep looking elsewhere
            }
        }
        return homes;
    }

    /** The feature version (17, 21, 25, or 8 for "1.8") a java home declares in its release file, or -1. */
    static int featureVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || !hasJavaLauncher(home)) return -1;
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(release));
            if (!m.find()) return -1;
            int major = Integer.parseInt(m.group(1));
            return major == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : major;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static Path javaLauncher(Path home) {
        Path bin = home.resolve("bin");
        return Files.exists(bin.resolve("java.exe")) ? bin.resolve("java.exe") : bin.resolve("java");
    }

    private static boolean hasJavaLauncher(Path home) {
        return Files.isRegularFile(javaLauncher(home));
    }
}
