package io.extrema.serving.monitor;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.AlertSeverity;
import io.extrema.schemas.avro.MonitorRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The rules over monitor records; each returns the alerts one window raises (usually none). */
public final class AlertRules {
    public static final String COLLAPSE = "collapse";
    public static final String DRIFT = "drift";
    public static final String DEAD_LETTER_RATE = "dead_letter_rate";
    public static final String LOSS_NOT_FINITE = "loss_not_finite";
    public static final String TRAINER_LAG_GROWING = "trainer_lag_growing";
    public static final String MODEL_STALE = "model_stale";

    private final AlertThresholds thresholds;

    public AlertRules(AlertThresholds thresholds) {
        this.thresholds = thresholds;
    }

    public List<AlertRecord> forWindow(MonitorRecord window) {
        List<AlertRecord> alerts = new ArrayList<>(1);
        Instant time = window.getEmittedAt();
        String where =
                " in " + window.getSource() + " window " + window.getWindowStart() + ".." + window.getWindowEnd();
        boolean enough = window.getCount() >= thresholds.minWindowCount();
        if (enough && window.getDimension() > 0) {
            // Times sqrt(d), so dimension-free: 1 when isotropic. Trained embeddings lie in a narrow cone (about 0.1),
            // so the threshold sits orders of magnitude below 1, near collapse (see MonitorConfig).
            double ratio = window.getSpread() * Math.sqrt(window.getDimension());
            if (ratio < thresholds.collapseSpreadRatio()) {
                alerts.add(alert(
                        COLLAPSE,
                        AlertSeverity.CRITICAL,
                        window,
                        ratio,
                        thresholds.collapseSpreadRatio(),
                        String.format(
                                "embeddings collapsed: spread*sqrt(d) = %.3g < %.3g%s",
                                ratio, thresholds.collapseSpreadRatio(), where),
                        time));
            }
        }
        Double drift = max(window.getDriftPrevious(), window.getDriftBaseline());
        if (enough && drift != null && drift > thresholds.driftDistance()) {
            alerts.add(alert(
                    DRIFT,
                    AlertSeverity.WARNING,
                    window,
                    drift,
                    thresholds.driftDistance(),
                    String.format(
                            "centroid drifted: cosine distance %.4f > %.4f (previous %s, baseline %s)%s",
                            drift,
                            thresholds.driftDistance(),
                            window.getDriftPrevious(),
                            window.getDriftBaseline(),
                            where),
                    time));
        }
        if (window.getDeadLetters() > 0 && window.getDeadLetterShare() > thresholds.deadLetterShare()) {
            alerts.add(alert(
                    DEAD_LETTER_RATE,
                    AlertSeverity.WARNING,
                    window,
                    window.getDeadLetterShare(),
                    thresholds.deadLetterShare(),
                    String.format(
                            "%d of %d records dead-lettered%s",
                            window.getDeadLetters(), window.getDeadLetters() + window.getCount(), where),
                    time));
        }
        return alerts;
    }

    private static Double max(Double a, Double b) {
        return a == null ? b : b == null ? a : Double.valueOf(Math.max(a, b));
    }

    private static AlertRecord alert(
            String rule,
            AlertSeverity severity,
            MonitorRecord window,
            double value,
            double threshold,
            String message,
            Instant time) {
        return of(
                rule,
                severity,
                window.getSource(),
                value,
                threshold,
                message,
                window.getModelName(),
                window.getModelVersion(),
                time);
    }

    static AlertRecord of(
            String rule,
            AlertSeverity severity,
            String subject,
            double value,
            double threshold,
            String message,
            String modelName,
            Long modelVersion,
            Instant time) {
        return AlertRecord.newBuilder()
                .setRule(rule)
                .setSeverity(severity)
                .setSubject(subject)
                .setValue(value)
                .setThreshold(threshold)
                .setMessage(message)
                .setModelName(modelName)
                .setModelVersion(modelVersion)
                .setTime(time)
                .build();
    }
}
