package io.extrema.serving.monitor;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Sums each source's observations per pane before the repartition, so that a pane's embeddings cross the
 * repartition topic and reach the window store as one partial instead of one D-float record each. A pane is
 * gcd(window size, advance) long and aligned to the epoch like the windows, so every window holds whole panes and a
 * partial stamped with a time inside its pane lands in exactly the windows each of its observations would have.
 *
 * <p>A source holds one partial, for the pane of the task's stream time. What is forwarded when keeps the per-record
 * aggregation's results:
 *
 * <ul>
 *   <li>per source, partials leave in arrival order: an observation of an earlier pane (out of order, late) sends the
 *       held partial on, then goes alone; so does one that would restart the vector sums within a version (see
 *       {@link WindowStats#merge}). Merged in that order they fold the observations in the order they came, which
 *       the model version and name handling depends on;
 *   <li>when stream time passes a window's close (end + grace), every held partial is sent on and the observation
 *       that moved it goes alone: the window aggregate's stream time, which decides for each partial which windows
 *       are closed, is then what it was for each of the partial's observations here;
 *   <li>when stream time leaves the pane, and after {@link #IDLE} without input, every held partial is sent on:
 *       with several input partitions, another task's records must not close a window before this task's partials
 *       of it arrive, any more than they would have before its single records.
 * </ul>
 *
 * Held partials live in a changelogged store, written at every observation, so that a restart resumes them at the
 * committed input offsets (the monitor runs exactly once).
 */
final class WindowPartials implements Processor<String, Observation, String, WindowStats> {
    static final String STORE = "monitor-window-partials";
    // Forwarded partials reach the windows once committed: after this long without input, ask for the commit rather
    // than wait for the commit interval.
    static final Duration QUIET = Duration.ofMillis(100);
    // After this long without input, send on what is held: with several input partitions, the other tasks' records
    // must not close a window before this task's partials of it arrive.
    static final Duration IDLE = Duration.ofSeconds(1);

    private final long pane;
    private final long grace;
    private ProcessorContext<String, WindowStats> context;
    private KeyValueStore<String, Partial> store;
    private Map<String, Partial> held; // the store's content, read once: a get per observation would decode 16*D bytes
    private long streamTime;
    private long streamPane; // floorDiv(stream time, pane): the pane every held partial is of
    private long closedPanes; // windows ending at or before closedPanes * pane are closed
    private long lastInputMs;
    private boolean forwardedSinceCommit;

    WindowPartials(TimeWindows windows) {
        pane = gcd(windows.sizeMs, windows.advanceMs);
        grace = windows.gracePeriodMs();
    }

    @Override
    public void init(ProcessorContext<String, WindowStats> context) {
        this.context = context;
        store = context.getStateStore(STORE);
        held = new HashMap<>();
        try (KeyValueIterator<String, Partial> restored = store.all()) {
            restored.forEachRemaining(kv -> held.put(kv.key, kv.value));
        }
        // The window aggregate's stream time starts afresh with the task too; the first observation sends on
        // whatever was restored.
        streamTime = Long.MIN_VALUE;
        streamPane = Long.MIN_VALUE;
        closedPanes = Long.MIN_VALUE;
        lastInputMs = context.currentSystemTimeMs();
        forwardedSinceCommit = false;
        context.schedule(QUIET, PunctuationType.WALL_CLOCK_TIME, this::whenQuiet);
    }

    @Override
    public void process(Record<String, Observation> record) {
        lastInputMs = context.currentSystemTimeMs();
        String source = record.key();
        streamTime = Math.max(streamTime, record.timestamp());
        long closed = Math.floorDiv(streamTime - grace, pane);
        if (Math.floorDiv(streamTime, pane) > streamPane || closed > closedPanes) {
            forwardHeld();
            streamPane = Math.floorDiv(streamTime, pane);
            if (closed > closedPanes) {
                closedPanes = closed;
                forward(source, new Partial().add(record));
                return;
            }
        }
        if (Math.floorDiv(record.timestamp(), pane) < streamPane) {
            Partial partial = held.remove(source);
            if (partial != null) {
                forward(source, partial);
                store.delete(source);
            }
            forward(source, new Partial().add(record));
            return;
        }
        Partial partial = held.get(source);
        if (partial != null && partial.sums.restartsVectorSums(record.value())) {
            forward(source, partial);
            partial = null;
        }
        if (partial == null) {
            partial = new Partial();
            held.put(source, partial);
        }
        store.put(source, partial.add(record));
    }

    private void forwardHeld() {
        held.forEach(this::forward);
        held.keySet().forEach(store::delete);
        held.clear();
    }

    private void forward(String source, Partial partial) {
        context.forward(new Record<>(source, partial.sums, partial.timestamp));
        forwardedSinceCommit = true;
    }

    private void whenQuiet(long now) {
        if (now - lastInputMs >= IDLE.toMillis()) {
            forwardHeld();
        }
        if (forwardedSinceCommit && now - lastInputMs >= QUIET.toMillis()) {
            context.commit();
            forwardedSinceCommit = false;
        }
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** A source's sums over one pane, stamped with its newest observation's time. */
    static final class Partial {
        long timestamp = Long.MIN_VALUE;
        WindowStats sums = new WindowStats();

        Partial add(Record<String, Observation> record) {
            timestamp = Math.max(timestamp, record.timestamp());
            sums.add(record.value());
            return this;
        }

        static final Serde<Partial> SERDE = Serdes.serdeFrom(
                (topic, p) -> {
                    if (p == null) {
                        return null;
                    }
                    ByteBuffer b = ByteBuffer.allocate(8 + p.sums.serializedSize());
                    p.sums.writeTo(b.putLong(p.timestamp));
                    return b.array();
                },
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    Partial p = new Partial();
                    p.timestamp = b.getLong();
                    p.sums = WindowStats.readFrom(b);
                    return p;
                });
    }
}
