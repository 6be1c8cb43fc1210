package io.extrema.ops.dashboard;

import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.Topics;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of {@code extrema dashboard}: where to read, where to listen and how much history to keep. */
public final class DashboardConfig extends AbstractConfig {
    public static final String BOOTSTRAP_SERVERS = ClientSettings.BOOTSTRAP_SERVERS;
    public static final String REGISTRY_URL = ClientSettings.SCHEMA_REGISTRY_URL;
    public static final String HOST = "dashboard.host";
    public static final String PORT = "dashboard.port";
    public static final String METRICS_TOPIC = "topic.metrics";
    public static final String MONITOR_TOPIC = "topic.monitor";
    public static final String ALERTS_TOPIC = "topic.alerts";
    public static final String MODELS_TOPIC = "topic.models";
    public static final String EMBEDDINGS_TOPIC = "topic.embeddings";
    public static final String IMAGES_TOPIC = "topic.images";
    public static final String HISTORY = "dashboard.history";
    public static final String MAP_POINTS = "dashboard.map.points";
    public static final String THUMBNAILS = "dashboard.thumbnails";

    public static final ConfigDef DEFINITION = ClientSettings.define(new ConfigDef())
            .define(
                    HOST,
                    Type.STRING,
                    "127.0.0.1",
                    Importance.HIGH,
                    "Address to listen on; 127.0.0.1 keeps the page on this host, 0.0.0.0 shares it.")
            .define(PORT, Type.INT, 8090, Range.between(0, 65535), Importance.HIGH, "HTTP port; 0 picks a free one.")
            .define(METRICS_TOPIC, Type.STRING, Topics.METRICS, Importance.MEDIUM, "Trainer metrics.")
            .define(MONITOR_TOPIC, Type.STRING, Topics.MONITOR, Importance.MEDIUM, "Embedding statistics per window.")
            .define(ALERTS_TOPIC, Type.STRING, Topics.ALERTS, Importance.MEDIUM, "Alerts.")
            .define(
                    MODELS_TOPIC,
                    Type.STRING,
                    Topics.MODELS,
                    Importance.MEDIUM,
                    "Model versions (only manifests are kept).")
            .define(EMBEDDINGS_TOPIC, Type.STRING, Topics.EMBEDDINGS, Importance.MEDIUM, "Embeddings, for the map.")
            .define(IMAGES_TOPIC, Type.STRING, Topics.IMAGES, Importance.MEDIUM, "Images, for thumbnails.")
            .define(
                    HISTORY,
                    Type.INT,
                    5000,
                    Range.atLeast(10),
                    Importance.MEDIUM,
                    "Records kept per topic in memory (and read back per partition at start).")
            .define(
                    MAP_POINTS,
                    Type.INT,
                    1000,
                    Range.between(10, 20000),
                    Importance.MEDIUM,
                    "Recent embeddings on the 2-D map.")
            .define(
                    THUMBNAILS,
                    Type.INT,
                    2000,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Recent images whose bytes are kept for hover thumbnails.");

    public DashboardConfig(Map<?, ?> settings) {
        super(DEFINITION, settings);
    }

    /** Settings of the Avro deserializers and the registry client: the registry URL and credentials. */
    public Map<String, Object> serdeConfig() {
        return ClientSettings.serdeConfig(this);
    }
}
