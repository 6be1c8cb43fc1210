package io.extrema.serving.monitor;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.AlertSeverity;
import io.extrema.schemas.avro.TrainingMetrics;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The trainer rules over the metrics topic (keyed by model name): a loss that is not finite, a consumer lag that
 * keeps growing, and no new model version for too long. Staleness is also checked on the wall clock, because a
 * trainer that died sends no metrics to be checked against.
 */
final class TrainerWatch implements Processor<String, TrainingMetrics, String, AlertRecord> {
    static final String STORE = "monitor-trainer-state";

    private final AlertThresholds thresholds;
    private final Duration checkInterval;
    private final MonitorMeters meters;
    private ProcessorContext<String, AlertRecord> context;
    private KeyValueStore<String, TrainerState> states;

    TrainerWatch(AlertThresholds thresholds, Duration checkInterval, MonitorMeters meters) {
        this.thresholds = thresholds;
        this.checkInterval = checkInterval;
        this.meters = meters;
    }

    @Override
    public void init(ProcessorContext<String, AlertRecord> context) {
        this.context = context;
        this.states = context.getStateStore(STORE);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::checkStaleness);
    }

    @Override
    public void process(Record<String, TrainingMetrics> record) {
        TrainingMetrics m = record.value();
        if (m == null) {
            return;
        }
        String model = m.getModelName();
        long time = m.getTime().toEpochMilli();
        TrainerState state = states.get(model);
        state = (state == null ? TrainerState.first(m.getModelVersion(), time) : state)
                .withReport(m.getModelVersion(), time, m.getConsumerLag(), thresholds.lagGrowthReports() + 1);
        if (!Double.isFinite(m.getLoss())) {
            emit(
                    model,
                    AlertRules.of(
                            AlertRules.LOSS_NOT_FINITE,
                            AlertSeverity.CRITICAL,
                            model,
                            m.getLoss(),
                            Double.NaN,
                            "training loss is " + m.getLoss() + " at step " + m.getStep(),
                            model,
                            m.getModelVersion(),
                            m.getTime()));
        }
        boolean growing =
                state.lagGrowing(thresholds.lagGrowthReports()) && state.latestLag() > thresholds.lagMinRecords();
        if (growing && !state.lagReported()) {
            emit(
                    model,
                    AlertRules.of(
                            AlertRules.TRAINER_LAG_GROWING,
                            AlertSeverity.WARNING,
                            model,
                            state.latestLag(),
                            thresholds.lagMinRecords(),
                            "trainer consumer lag grew in " + thresholds.lagGrowthReports() + " reports in a row, now "
                                    + state.latestLag() + " records",
                            model,
                            m.getModelVersion(),
                            m.getTime()));
        }
        state = state.withLagReported(growing);
        states.put(model, stalenessChecked(model, state, time));
    }

    private void checkStaleness(long now) {
        try (KeyValueIterator<String, TrainerState> all = states.all()) {
            while (all.hasNext()) {
                KeyValue<String, TrainerState> entry = all.next();
                TrainerState checked = stalenessChecked(entry.key, entry.value, now);
                if (checked != entry.value) {
                    states.put(entry.key, checked);
                }
            }
        }
    }

    /** Alerts at most once per stale period while no new version appears. */
    private TrainerState stalenessChecked(String model, TrainerState state, long now) {
        long age = now - state.versionSince();
        boolean due = state.staleAlertAt() == Long.MIN_VALUE || now - state.staleAlertAt() >= thresholds.modelStaleMs();
        if (age <= thresholds.modelStaleMs() || !due) {
            return state;
        }
        emit(
                model,
                AlertRules.of(
                        AlertRules.MODEL_STALE,
                        AlertSeverity.WARNING,
                        model,
                        age,
                        thresholds.modelStaleMs(),
                        "no new model version for " + Duration.ofMillis(age) + " (still version " + state.version()
                                + ")",
                        model,
                        state.version(),
                        Instant.ofEpochMilli(now)));
        return state.withStaleAlertAt(now);
    }

    private void emit(String model, AlertRecord alert) {
        meters.alert(alert);
        context.forward(new Record<>(
                alert.getRule() + "/" + model, alert, alert.getTime().toEpochMilli()));
    }
}
