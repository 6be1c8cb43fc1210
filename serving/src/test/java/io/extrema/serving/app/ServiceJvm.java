package io.extrema.serving.app;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The embedding service in a child JVM on this JVM's class path: a process to crash or to measure on its own. */
public final class ServiceJvm {

    private ServiceJvm() {}

    /**
     * @param jvmOptions e.g. the heap size; after the defaults, so they win
     * @param settings   {@code key=value} service settings; of two with one key, the later wins
     * @param log        the child's standard output and error
     */
    public static Process start(List<String> jvmOptions, List<String> settings, File log) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro",
                "-Dai.djl.offline=true"));
        command.addAll(jvmOptions);
        command.add(EmbeddingService.class.getName());
        command.addAll(settings);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }
}
