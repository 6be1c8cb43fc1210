package io.extrema.schemas.serde;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The records a reader skipped because they cannot be read (a schema id the registry does not know, bytes that are
 * not the wire format, an incompatible writer schema): counted, and logged once per cause, not once per record, so
 * a topic full of records of one lost schema gives one line and a counter instead of a flood. Every reader that
 * skips records (the trainer's models scan, serving's model follower, the monitor, the dashboard) keeps one.
 *
 * <p>A registry outage is not a cause: it says nothing about the record, and the reader waits it out
 * ({@link io.extrema.schemas.registry.SchemaRegistryException#isOutage(Throwable)}). Thread-safe.
 */
public final class UnreadableRecords {
    /** Causes remembered for their counts; beyond that the rest share one entry (a reader never grows without bound). */
    private static final int MAX_CAUSES = 64;

    private static final String OTHER = "(other causes)";

    private final Logger log;
    private final String reader;
    private final AtomicLong total = new AtomicLong();
    private final Map<String, Long> byCause = new LinkedHashMap<>();

    /**
     * @param log    where the first record of each cause is reported
     * @param reader what skips the records, as the log line names it ("the model follower")
     */
    public UnreadableRecords(Logger log, String reader) {
        this.log = log;
        this.reader = reader;
    }

    /** Counts a skipped record; logs it when its cause is new. */
    public void skipped(String topic, int partition, long offset, Throwable error) {
        total.incrementAndGet();
        String cause = cause(error);
        boolean first;
        synchronized (byCause) {
            String key = byCause.containsKey(cause) || byCause.size() < MAX_CAUSES ? cause : OTHER;
            first = !byCause.containsKey(key);
            byCause.merge(key, 1L, Long::sum);
        }
        if (first) {
            log.warn(
                    "{} skips unreadable record {}-{}@{}: {}; further records with this cause are only counted",
                    reader,
                    topic,
                    partition,
                    offset,
                    cause);
        }
    }

    /** Records skipped so far. */
    public long total() {
        return total.get();
    }

    /** Records skipped so far per cause, in the order the causes were first seen. */
    public Map<String, Long> byCause() {
        synchronized (byCause) {
            return new LinkedHashMap<>(byCause);
        }
    }

    /**
     * The cause as one line: the innermost of our own serde exceptions when there is one (Kafka wraps them), its
     * message without record positions, so every record of one lost schema id has the same cause.
     */
    static String cause(Throwable error) {
        Throwable reported = error;
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof WireFormatException) {
                reported = t;
                break;
            }
        }
        String message = reported.getMessage() == null ? "" : ": " + reported.getMessage();
        return reported.getClass().getSimpleName()
                + message.replaceAll("offset \\d+", "offset N").replaceAll("\\b\\d+(-byte| bytes)", "N$1");
    }
}
