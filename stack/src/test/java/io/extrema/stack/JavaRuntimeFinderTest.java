package io.extrema.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java 21 search on fake JDK folder layouts (release file + bin/java). */
class JavaRuntimeFinderTest {

    @TempDir
    Path root;

    private Path jdk(String relative, String javaVersion) throws IOException {
        Path home = root.resolve(relative);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("bin").resolve("java"), "");
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + javaVersion + "\"\n");
        return home;
    }

    @Test
    void picksTheNewestQualifyingJdkFromLinuxAndMacInstallFolders() throws IOException {
        Path running = jdk("linux/java-17", "17.0.15");
        jdk("linux/java-21", "21.0.2");
        Path newest = jdk("mac/temurin-25.jdk/Contents/Home", "25");
        jdk("linux/java-8", "1.8.0_402");
        var finder = new JavaRuntimeFinder(Map.of(), running, 17, List.of(root.resolve("linux"), root.resolve("mac")));
        assertEquals(Optional.of(newest), finder.find(21));
    }

    @Test
    void prefersTheEnvironmentThenJavaHomeThenTheRunningJvm() throws IOException {
        Path fromEnv = jdk("env", "22.0.1");
        Path javaHome = jdk("javahome", "21");
        Path running = jdk("running", "23");
        Path installed = jdk("installed/jdk-25", "25");
        List<Path> roots = List.of(root.resolve("installed"));

        var all = new JavaRuntimeFinder(
                Map.of(JavaRuntimeFinder.ENV_VAR, fromEnv.toString(), "JAVA_HOME", javaHome.toString()),
                running,
                23,
                roots);
        assertEquals(Optional.of(fromEnv), all.find(21));
        assertEquals(
                Optional.of(javaHome),
                new JavaRuntimeFinder(Map.of("JAVA_HOME", javaHome.toString()), running, 23, roots).find(21));
        assertEquals(Optional.of(running), new JavaRuntimeFinder(Map.of(), running, 23, roots).find(21));
        // a JAVA_HOME that is too old is skipped, not fatal
        Path old = jdk("old", "17.0.1");
        assertEquals(
                Optional.of(installed),
                new JavaRuntimeFinder(Map.of("JAVA_HOME", old.toString()), old, 17, roots).find(21));
    }

    @Test
    void ignoresFoldersThatAreNotRuntimesAndExplainsWhatToDoWhenNoneFits() throws IOException {
        Path running = jdk("running", "17");
        Files.createDirectories(root.resolve("installed/not-a-jdk"));
        Path noLauncher = root.resolve("installed/no-launcher");
        Files.createDirectories(noLauncher);
        Files.writeString(noLauncher.resolve("release"), "JAVA_VERSION=\"25\"\n");
        var finder = new JavaRuntimeFinder(
                Map.of(), running, 17, List.of(root.resolve("installed"), root.resolve("missing")));

        assertEquals(Optional.empty(), finder.find(21));
        StackException e = assertThrows(StackException.class, () -> finder.require(21, null));
        assertTrue(e.getMessage().contains("Java 21+"), e.getMessage());
        assertTrue(e.getMessage().contains(JavaRuntimeFinder.ENV_VAR), e.getMessage());
        assertTrue(e.getMessage().contains("stack.registry.java.home"), e.getMessage());
    }

    @Test
    void anExplicitHomeMustQualify() throws IOException {
        Path old = jdk("old", "17.0.2");
        Path good = jdk("good", "21.0.5");
        var finder = new JavaRuntimeFinder(Map.of(), old, 17, List.of());
        assertEquals(good, finder.require(21, good));
        StackException e = assertThrows(StackException.class, () -> finder.require(21, old));
        assertTrue(e.getMessage().contains("Java 17"), e.getMessage());
    }
}
