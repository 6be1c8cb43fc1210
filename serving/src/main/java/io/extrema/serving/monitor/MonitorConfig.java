package io.extrema.serving.monitor;

import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Every setting of the monitor topology (windows, drift reference, alert thresholds), declared once so that
 * {@code extrema monitor --help} and docs/monitoring.md come from the same source.
 */
public final class MonitorConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = ClientSettings.BOOTSTRAP_SERVERS;
    public static final String REGISTRY_URL = ClientSettings.SCHEMA_REGISTRY_URL;
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";

    public static final String EMBEDDINGS_TOPIC = "topic.embeddings";
    public static final String DLQ_TOPIC = "topic.dlq.serving";
    public static final String METRICS_TOPIC = "topic.metrics";
    public static final String MONITOR_TOPIC = "topic.monitor";
    public static final String ALERTS_TOPIC = "topic.alerts";
    public static final String MONITOR_DLQ_TOPIC = "topic.dlq.monitor";

    public static final String WINDOW_SIZE_MS = "window.size.ms";
    public static final String WINDOW_ADVANCE_MS = "window.advance.ms";
    public static final String WINDOW_GRACE_MS = "window.grace.ms";
    public static final String BASELINE_WINDOWS = "baseline.windows";

    public static final String MIN_WINDOW_COUNT = "alert.min.window.count";
    public static final String COLLAPSE_SPREAD_RATIO = "alert.collapse.spread.ratio";
    public static final String DRIFT_DISTANCE = "alert.drift.distance";
    public static final String DEAD_LETTER_SHARE = "alert.dead.letter.share";
    public static final String LAG_GROWTH_REPORTS = "alert.lag.growth.reports";
    public static final String LAG_MIN_RECORDS = "alert.lag.min.records";
    public static final String MODEL_STALE_MS = "alert.model.stale.ms";
    public static final String CHECK_INTERVAL_MS = "alert.check.interval.ms";

    public static final String PROMETHEUS_HOST = "prometheus.host";
    public static final String PROMETHEUS_PORT = "prometheus.port";

    public static final ConfigDef DEFINITION = ClientSettings.define(new ConfigDef())
            .define(
                    APPLICATION_ID,
                    Type.STRING,
                    "extrema-monitor",
                    Importance.MEDIUM,
                    "Kafka Streams application id: consumer group and prefix of the internal topics.")
            .define(
                    STATE_DIR,
                    Type.STRING,
                    System.getProperty("java.io.tmpdir") + "/extrema-monitor-state",
                    Importance.LOW,
                    "Directory of the window and reference stores.")
            .define(EMBEDDINGS_TOPIC, Type.STRING, Topics.EMBEDDINGS, Importance.MEDIUM, "Embeddings to watch.")
            .define(
                    DLQ_TOPIC,
                    Type.STRING,
                    Topics.DLQ_SERVING,
                    Importance.MEDIUM,
                    "Serving dead-letter topic, for the dead-letter share per source.")
            .define(
                    METRICS_TOPIC,
                    Type.STRING,
                    Topics.METRICS,
                    Importance.MEDIUM,
                    "Trainer metrics, for the trainer rules.")
            .define(MONITOR_TOPIC, Type.STRING, Topics.MONITOR, Importance.MEDIUM, "Where window statistics go.")
            .define(ALERTS_TOPIC, Type.STRING, Topics.ALERTS, Importance.MEDIUM, "Where alerts go.")
            .define(
                    MONITOR_DLQ_TOPIC,
                    Type.STRING,
                    Topics.DLQ_MONITOR,
                    Importance.MEDIUM,
                    "Where records the monitor cannot decode go, as DeadLetter records.")
            .define(
                    WINDOW_SIZE_MS,
                    Type.LONG,
                    60_000L,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Length of a statistics window.")
            .define(
                    WINDOW_ADVANCE_MS,
                    Type.LONG,
                    0L,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "Hop between window starts; 0 means tumbling windows (advance = size).")
            .define(
                    WINDOW_GRACE_MS,
                    Type.LONG,
                    120_000L,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "How long after its end a window still accepts late records; a window is emitted once, when it "
                            + "closes. After serving was down, its backlog arrives out of order across partitions by "
                            + "up to the outage's length: a grace shorter than that drops those embeddings from their "
                            + "windows (counted in stream_task_metrics_dropped_records_total).")
            .define(
                    BASELINE_WINDOWS,
                    Type.INT,
                    3,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "The first this-many windows of a model version, per source, form the drift baseline.")
            .define(
                    MIN_WINDOW_COUNT,
                    Type.LONG,
                    20L,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Windows with fewer embeddings raise no collapse or drift alert (too few to tell).")
            .define(
                    COLLAPSE_SPREAD_RATIO,
                    Type.DOUBLE,
                    0.005,
                    // spread * sqrt(d) of unit vectors is at most 1: a threshold above would fire on every window.
                    Range.between(0.0, 1.0),
                    Importance.HIGH,
                    "Collapse when spread * sqrt(dimension) of a window falls below this: 1 for isotropic "
                            + "embeddings, 0 when every image maps to one. Trained networks fill a narrow cone, not "
                            + "the sphere: on CIFAR-10 test images the cifar-tiny class tokens serving emits measured "
                            + "0.3-0.7 fresh, 0.11-0.19 trained and about 1e-4 once the network all but ignores its "
                            + "input (k-NN at chance); the default keeps 20x from both.")
            .define(
                    DRIFT_DISTANCE,
                    Type.DOUBLE,
                    0.2,
                    Range.between(0.0, 2.0),
                    Importance.HIGH,
                    "Drift when the centroid's cosine distance to the previous window or the baseline exceeds this.")
            .define(
                    DEAD_LETTER_SHARE,
                    Type.DOUBLE,
                    0.05,
                    Range.between(0.0, 1.0),
                    Importance.HIGH,
                    "Alert when more than this share of a source's records in a window were dead-lettered.")
            .define(
                    LAG_GROWTH_REPORTS,
                    Type.INT,
                    5,
                    Range.atLeast(2),
                    Importance.MEDIUM,
                    "Trainer lag is growing when it rose in each of this many consecutive metrics reports...")
            .define(
                    LAG_MIN_RECORDS,
                    Type.LONG,
                    1_000L,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "...and is above this many records.")
            .define(
                    MODEL_STALE_MS,
                    Type.LONG,
                    Duration.ofMinutes(30).toMillis(),
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Alert when a trainer has published no new model version for this long.")
            .define(
                    CHECK_INTERVAL_MS,
                    Type.LONG,
                    60_000L,
                    Range.atLeast(100),
                    Importance.LOW,
                    "How often (wall clock) the staleness rule runs even when no metrics arrive.")
            .define(
                    PROMETHEUS_HOST,
                    Type.STRING,
                    "127.0.0.1",
                    Importance.LOW,
                    "Address the Prometheus endpoint binds to (loopback by default: 0.0.0.0 exposes it deliberately).")
            .define(
                    PROMETHEUS_PORT,
                    Type.INT,
                    9405,
                    Range.between(0, 65535),
                    Importance.LOW,
                    "Port of the monitor's Prometheus endpoint on /metrics; 0 picks a free port.");

    public MonitorConfig(Map<?, ?> settings) {
        super(DEFINITION, settings);
    }

    /** Settings of the Avro serdes and the registry client: the registry URL and credentials. */
    public Map<String, Object> serdeConfig() {
        return ClientSettings.serdeConfig(this);
    }

    public Duration windowSize() {
        return Duration.ofMillis(getLong(WINDOW_SIZE_MS));
    }

    /** The hop; equal to the size for tumbling windows. */
    public Duration windowAdvance() {
        long advance = getLong(WINDOW_ADVANCE_MS);
        return advance == 0 ? windowSize() : Duration.ofMillis(Math.min(advance, getLong(WINDOW_SIZE_MS)));
    }

    public Duration windowGrace() {
        return Duration.ofMillis(getLong(WINDOW_GRACE_MS));
    }

    public AlertThresholds thresholds() {
        return new AlertThresholds(
                getLong(MIN_WINDOW_COUNT),
                getDouble(COLLAPSE_SPREAD_RATIO),
                getDouble(DRIFT_DISTANCE),
                getDouble(DEAD_LETTER_SHARE),
                getInt(LAG_GROWTH_REPORTS),
                getLong(LAG_MIN_RECORDS),
                getLong(MODEL_STALE_MS));
    }
}
