package io.extrema.stack;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path of the running JVM as real files, for launching the broker with the kafka_2.13 jars we already have.
 * Surefire (and other launchers) may run tests from a "manifest-only" jar whose Class-Path attribute holds the real
 * entries, so those are expanded.
 */
final class RuntimeClassPath {

    private RuntimeClassPath() {}

    static String current() {
        Set<String> entries = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) add(Path.of(entry).toAbsolutePath(), entries);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Also answers the registry distribution when it sits on the class path (Maven puts the declared tar.gz there). */
    static Set<Path> files() {
        Set<Path> files = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) files.add(Path.of(entry).toAbsolutePath());
        }
        for (String entry : current().split(File.pathSeparator)) files.add(Path.of(entry));
        return files;
    }

    private static void add(Path entry, Set<String> entries) {
        String name = entry.getFileName() == null ? "" : entry.getFileName().toString();
        if (Files.isDirectory(entry)) {
            entries.add(entry.toString());
        } else if (name.endsWith(".jar") && Files.isRegularFile(entry)) {
            entries.add(entry.toString());
            for (Path referenced : manifestClassPath(entry)) add(referenced, entries);
        }
        // anything else (e.g. the registry tar.gz Maven lists as a dependency) is not a class path entry
    }

    private static Set<Path> manifestClassPath(Path jar) {
        Set<Path> referenced = new LinkedHashSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String value =
                    manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            if (value == null) return referenced;
            for (String item : value.trim().split("\\s+")) {
                if (item.isEmpty()) continue;
                URI uri = jar.getParent().toUri().resolve(item);
                if ("file".equals(uri.getScheme())) referenced.add(Path.of(uri));
            }
        } catch (IOException | IllegalArgumentException e) {
            // not a readable jar or an odd manifest entry: the jar itself stays on the path, nothing more to add
        }
        return referenced;
    }
}
