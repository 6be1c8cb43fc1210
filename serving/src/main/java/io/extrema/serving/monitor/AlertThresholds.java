package io.extrema.serving.monitor;

/** The alert rules' thresholds, read from {@link MonitorConfig} (see its docs for each). */
public record AlertThresholds(
        long minWindowCount,
        double collapseSpreadRatio,
        double driftDistance,
        double deadLetterShare,
        int lagGrowthReports,
        long lagMinRecords,
        long modelStaleMs) {}
