package io.extrema.trainer;

import io.extrema.trainer.config.TrainerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java io.extrema.trainer.TrainerMain [--config trainer.properties] [key=value ...]}: runs the streaming
 * trainer until SIGTERM/SIGINT (or {@code max.steps}). On the signal the shutdown hook asks the loop to stop, and
 * waits while it finishes the step, writes a checkpoint, commits the offsets it reflects and closes its clients.
 */
public final class TrainerMain {
    private static final Logger log = LoggerFactory.getLogger(TrainerMain.class);

    public static void main(String[] args) throws Exception {
        Path file = null;
        Map<String, String> overrides = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage());
                return;
            } else if (a.equals("--config") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (a.contains("=")) {
                overrides.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                System.err.println("unknown argument " + a + "\n" + usage());
                System.exit(2);
            }
        }
        run(TrainerConfig.load(file, System.getenv(), overrides));
    }

    /** Runs a trainer in this JVM with a shutdown hook for a graceful stop: the trainer's own {@code close()}. */
    public static void run(TrainerConfig config) throws Exception {
        run(new StreamingTrainer(config));
    }

    /** {@link #run(TrainerConfig)} for a trainer the caller built, to read its {@link StreamingTrainer#status()}. */
    public static void run(StreamingTrainer trainer) throws Exception {
        Thread hook = new Thread(
                () -> {
                    log.info("stop requested: finishing the step, checkpointing, committing");
                    try {
                        trainer.close();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "extrema-trainer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            trainer.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it is waiting for us, nothing to remove
            }
        }
    }

    public static String usage() {
        return "usage: trainer [--config trainer.properties] [key=value ...]\n"
                + "Settings (also from EXTREMA_TRAINER_<KEY> environment variables, dots as underscores;\n"
                + "kafka.<client setting> is passed to every Kafka client, model.<field> overrides the preset):\n\n"
                + TrainerConfig.help();
    }

    private TrainerMain() {}
}
