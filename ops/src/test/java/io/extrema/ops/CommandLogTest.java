package io.extrema.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.ingest.IngestRun;
import io.extrema.ops.demo.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What reaches the terminal of a command run as the launcher runs it (its own JVM, {@code Extrema.main}): our own
 * warnings and the log file's path, never the libraries' warnings or libtorch's native deprecation notice, which
 * the log file (or nothing) takes instead.
 */
class CommandLogTest {

    /** Standard output, standard error and the exit status of one {@code extrema} run. */
    private record Run(int exit, String out, String err) {
        String terminal() {
            return out + err;
        }
    }

    private static Run extrema(Path tmp, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                Extrema.class.getName()));
        command.addAll(List.of(args));
        Path out = tmp.resolve("stdout.txt");
        Path err = tmp.resolve("stderr.txt");
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), "extrema " + args[0] + " did not finish");
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void kafkaWarningsGoToTheLogFileAndOurOwnWarningsToTheTerminalToo(@TempDir Path tmp) throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images/bad"));
        Files.write(images.resolve("empty.jpg"), new byte[0]);
        Path log = tmp.resolve("logs/ingest.log");
        // Nothing listens on port 1; the unknown producer setting makes Kafka's client warn, deterministically.
        Run run = extrema(
                tmp,
                "ingest",
                images.getParent().toString(),
                "--quiet",
                "--bootstrap.servers",
                "127.0.0.1:1",
                "--schema.registry.url",
                "http://127.0.0.1:1",
                "--schema.registry.max.retries",
                "0",
                "--schema.registry.outage.wait.ms",
                "0",
                "--kafka.extrema.test.unused",
                "1",
                "--log.file",
                log.toString());
        assertEquals(IngestRun.REFUSED, run.exit(), run.terminal());
        String file = Files.readString(log);

        String kafkaWarning = "were supplied but are not used yet";
        assertTrue(file.contains(kafkaWarning) && file.contains("extrema.test.unused"), file);
        assertFalse(run.terminal().contains(kafkaWarning), run.terminal());
        assertFalse(
                run.terminal().contains("ProducerConfig values"), "Kafka's INFO on the terminal:\n" + run.terminal());

        // Our own warning (the refused image), on the terminal and in the file; the file named at start.
        assertTrue(
                run.err()
                        .lines()
                        .anyMatch(l -> l.contains(" WARN ") && l.contains("refused") && l.contains("empty.jpg")),
                run.terminal());
        assertTrue(file.contains("refused") && file.contains("empty.jpg"), file);
        assertTrue(run.err().lines().findFirst().orElse("").equals("extrema ingest: log file " + log), run.err());
    }

    @Test
    void djlLogsGoToTheLogFileAndLibtorchPrintsNoDeprecationNotice(@TempDir Path tmp) throws Exception {
        Path sample = SampleData.require();
        Path log = tmp.resolve("eval.log");
        // A fresh network is created, exported and loaded: what once went through NDArray.set(Buffer).
        Run run = extrema(
                tmp,
                "eval",
                "--model",
                "fresh",
                "--train",
                sample.resolve("train.tar.gz").toString(),
                "--test",
                sample.resolve("test.tar.gz").toString(),
                "--max.images",
                "32",
                "--linear",
                "false",
                "--status.interval.seconds",
                "0",
                "--log.file",
                log.toString());
        assertEquals(0, run.exit(), run.terminal());
        assertTrue(run.out().contains("raw pixels"), run.out());
        String file = Files.readString(log);
        assertTrue(file.lines().anyMatch(l -> l.contains(" ai.djl.")), "DJL's own lines reach the file:\n" + file);
        assertFalse(run.terminal().contains("AutoNonVariableTypeMode"), run.terminal());
        assertFalse(run.terminal().contains("CudaUtils") || run.terminal().contains("PtEngine"), run.terminal());
    }
}
