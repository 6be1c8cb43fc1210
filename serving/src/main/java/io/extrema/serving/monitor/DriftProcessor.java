package io.extrema.serving.monitor;

import io.extrema.schemas.avro.MonitorRecord;
import java.time.Instant;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each closed window into a {@link MonitorRecord}: the window's statistics plus its drift against the
 * source's {@link DriftReference}, which it then advances. Windows arrive per source in closing order.
 */
final class DriftProcessor implements Processor<Windowed<String>, WindowStats, String, MonitorRecord> {
    static final String STORE = "monitor-drift-references";

    private final int baselineWindows;
    private final MonitorMeters meters;
    private ProcessorContext<String, MonitorRecord> context;
    private KeyValueStore<String, DriftReference> references;

    DriftProcessor(int baselineWindows, MonitorMeters meters) {
        this.baselineWindows = baselineWindows;
        this.meters = meters;
    }

    @Override
    public void init(ProcessorContext<String, MonitorRecord> context) {
        this.context = context;
        this.references = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<Windowed<String>, WindowStats> record) {
        String source = record.key().key();
        WindowStats window = record.value();
        Double driftPrevious = null;
        Double driftBaseline = null;
        if (window.versionCount() > 0) {
            DriftReference reference = references.get(source);
            if (reference == null
                    || window.version() > reference.version()
                    || !reference.modelName().equals(window.modelName())) {
                // First window of this source, or of a new model version: it starts the reference, drift unknown.
                references.put(source, DriftReference.startedBy(window));
            } else if (reference.comparable(window)) {
                driftPrevious = finite(DriftReference.cosineDistance(window.vectorSum(), reference.previous()));
                if (reference.baselineComplete(baselineWindows)) {
                    driftBaseline = finite(DriftReference.cosineDistance(window.vectorSum(), reference.baselineSum()));
                }
                references.put(source, reference.after(window, baselineWindows));
            }
            // else: a late window of an older version than the reference; reported, never compared.
        }
        MonitorRecord out = statistics(record.key(), window)
                .setDriftPrevious(driftPrevious)
                .setDriftBaseline(driftBaseline)
                .setEmittedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .build();
        meters.window(out);
        context.forward(new Record<>(source, out, record.key().window().end()));
    }

    /** The record of a window's own statistics; drift and emission time are left to set. */
    static MonitorRecord.Builder statistics(Windowed<String> key, WindowStats window) {
        return MonitorRecord.newBuilder()
                .setSource(key.key())
                .setWindowStart(Instant.ofEpochMilli(key.window().start()))
                .setWindowEnd(Instant.ofEpochMilli(key.window().end()))
                .setModelName(window.modelName())
                .setModelVersions(window.versions())
                .setModelVersion(window.version())
                .setCount(window.count())
                .setDimension(window.dimension())
                .setMeanNorm(window.meanNorm())
                .setSpread(window.spread())
                .setDeadLetters(window.deadLetters())
                .setDeadLetterShare(window.deadLetterShare());
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
