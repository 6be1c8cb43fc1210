package io.extrema.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A JVM that owns a stack and dies by kill -9 (no shutdown hooks) still takes the broker and registry with it. */
class OrphanGuardTest {

    @Test
    void servicesDieWhenTheOwningJvmIsKilled() throws Exception {
        Path base = Path.of("target/extrema-stack").toAbsolutePath();
        Path stateDir = base.resolve("orphan-" + ProcessHandle.current().pid());
        Process owner = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        RuntimeClassPath.current(),
                        OwnedStackMain.class.getName(),
                        stateDir.toString(),
                        base.resolve("registry").toString())
                .redirectErrorStream(true)
                .start();
        List<ProcessHandle> services = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(owner.getInputStream()))) {
            String line;
            StringBuilder output = new StringBuilder();
            while ((line = lines.readLine()) != null && !line.startsWith("PIDS "))
                output.append(line).append('\n');
            assertNotNull(line, "the owner JVM ended without starting a stack:\n" + output);
            for (String pid : line.substring(5).split(" "))
                services.add(ProcessHandle.of(Long.parseLong(pid)).orElseThrow());
            services.forEach(s -> assertTrue(s.isAlive()));

            owner.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(owner.waitFor(10, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (services.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline)
                Thread.sleep(200);
            for (ProcessHandle s : services) assertFalse(s.isAlive(), "service " + s.pid() + " outlived its owner");
        } finally {
            owner.destroyForcibly();
            services.forEach(ProcessHandle::destroyForcibly);
            LocalStack.deleteState(stateDir);
        }
    }
}
