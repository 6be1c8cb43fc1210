package io.extrema.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Apicurio Registry distribution ({@code io.apicurio:apicurio-registry-app:<version>:tar.gz:all}, a Quarkus
 * fast-jar). The stack module declares it as a dependency, so Maven has downloaded it into the local repository;
 * it is found there (or at an explicit path) and unpacked once.
 */
final class RegistryDistribution {

    static final String VERSION = loadVersion();
    static final String FILE_NAME = "apicurio-registry-app-" + VERSION + "-all.tar.gz";
    private static final Pattern LOCAL_REPOSITORY =
            Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>");

    private RegistryDistribution() {}

    /** The tar.gz: the explicit path, else our class path, else the Maven local repository. */
    static Path locate(Path explicit) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new StackException("the configured registry distribution " + explicit + " does not exist");
            }
            return explicit;
        }
        Optional<Path> onClassPath = RuntimeClassPath.files().stream()
                .filter(p ->
                        p.getFileName() != null && p.getFileName().toString().equals(FILE_NAME))
                .filter(Files::isRegularFile)
                .findFirst();
        if (onClassPath.isPresent()) return onClassPath.get();
        List<Path> tried = new ArrayList<>();
        for (Path repo : mavenRepositories(System.getenv(), Path.of(System.getProperty("user.home")))) {
            Path candidate = repo.resolve("io/apicurio/apicurio-registry-app")
                    .resolve(VERSION)
                    .resolve(FILE_NAME);
            if (Files.isRegularFile(candidate)) return candidate;
            tried.add(candidate);
        }
        throw new StackException("the schema registry distribution " + FILE_NAME + " was not found (tried " + tried
                + "). Build the project once with Maven (it downloads it as a dependency of extrema-stack), or point "
                + "at the file with the stack.registry.distribution setting.");
    }

    /** Candidate local repositories in Maven's own order: -Dmaven.repo.local, MAVEN_OPTS, settings.xml, default. */
    static List<Path> mavenRepositories(Map<String, String> env, Path userHome) {
        List<Path> repos = new ArrayList<>();
        String property = System.getProperty("maven.repo.local");
        if (property != null && !property.isBlank()) repos.add(Path.of(property));
        String mavenOpts = env.getOrDefault("MAVEN_OPTS", "");
        Matcher opt = Pattern.compile("-Dmaven\\.repo\\.local=(\\S+)").matcher(mavenOpts);
        if (opt.find()) repos.add(Path.of(opt.group(1)));
        Path settings = userHome.resolve(".m2").resolve("settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                Matcher m = LOCAL_REPOSITORY.matcher(Files.readString(settings));
                if (m.find()) repos.add(Path.of(m.group(1).replace("${user.home}", userHome.toString())));
            } catch (IOException e) {
                // an unreadable settings.xml names no repository; the default below still applies
            }
        }
        repos.add(userHome.resolve(".m2").resolve("repository"));
        return repos;
    }

    /**
     * Unpacks {@code tarGz} into {@code home} unless already there. Unpacks beside it and renames atomically, so
     * JVMs starting stacks at the same time never see a half-unpacked registry.
     */
    static Path unpack(Path tarGz, Path home) {
        if (Files.isRegularFile(home.resolve("quarkus-run.jar"))) return home;
        Path tmp = home.resolveSibling(home.getFileName() + ".unpacking-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            Process tar = new ProcessBuilder(
                            "tar", "-xzf", tarGz.toAbsolutePath().toString(), "-C", tmp.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(tar.getInputStream().readAllBytes());
            if (tar.waitFor() != 0 || !Files.isRegularFile(tmp.resolve("quarkus-run.jar"))) {
                throw new StackException("unpacking " + tarGz + " failed: " + output.strip());
            }
            try {
                Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException raced) {
                if (!Files.isRegularFile(home.resolve("quarkus-run.jar"))) throw raced;
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack the registry into " + home, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while unpacking the registry", e);
        } finally {
            deleteTree(tmp);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }

    private static String loadVersion() {
        try (InputStream in = RegistryDistribution.class.getResourceAsStream("registry.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("apicurio.version");
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("registry.properties missing from the extrema-stack jar", e);
        }
    }
}
