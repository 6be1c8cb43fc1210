package io.extrema.serving.monitor;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * The monitor topology running: Kafka Streams plus its Prometheus endpoint on {@code /metrics}. One owner closes
 * both; {@code extrema monitor} adds the shutdown hook.
 */
public final class MonitorService implements AutoCloseable {
    private final KafkaStreams streams;
    private final HttpServer prometheus;
    private final MonitorMeters meters = new MonitorMeters();

    public MonitorService(MonitorConfig config) throws IOException {
        MonitorSerdes serdes = MonitorSerdes.of(serdeConfigs(config));
        Properties props = streamsProperties(config);
        props.put(DeadLetterOnDecodeError.METERS_CONFIG, meters);
        streams = new KafkaStreams(MonitorTopology.build(config, serdes, meters), props);
        // A failure (a registry outage past its wait, a broker gone too long) replaces the thread, which resumes
        // from the last commit with its windows restored, instead of stopping the monitor for good.
        streams.setUncaughtExceptionHandler(e -> StreamThreadExceptionResponse.REPLACE_THREAD);
        prometheus = HttpServer.create(
                new InetSocketAddress(
                        config.getString(MonitorConfig.PROMETHEUS_HOST), config.getInt(MonitorConfig.PROMETHEUS_PORT)),
                0);
        prometheus.createContext("/metrics", exchange -> {
            byte[] body = meters.scrape(streams.metrics()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    /** The serdes' settings: undeclared ones pass through as to Kafka Streams; the registry's are the declared ones. */
    public static Map<String, Object> serdeConfigs(MonitorConfig config) {
        Map<String, Object> serde = new HashMap<>(config.originals());
        serde.putAll(config.serdeConfig());
        return serde;
    }

    /** Every setting in one place, with why. */
    static Properties streamsProperties(MonitorConfig config) {
        Properties props = new Properties();
        // Pass Kafka client settings (security, SASL, SSL...) through; our own settings stay out, because Kafka
        // Streams reads any "topic."-prefixed key as a config for its internal topics.
        config.originals().forEach((k, v) -> {
            if (!MonitorConfig.DEFINITION.names().contains(k)) {
                props.put(k, v);
            }
        });
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.getString(MonitorConfig.APPLICATION_ID));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(MonitorConfig.BOOTSTRAP_SERVERS));
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.getString(MonitorConfig.STATE_DIR));
        // A record we cannot decode goes to the monitor's dead-letter topic; the topology keeps running.
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterOnDecodeError.class);
        props.put(DeadLetterOnDecodeError.TOPIC_CONFIG, config.getString(MonitorConfig.MONITOR_DLQ_TOPIC));
        // The dead-letter handler's serializer reads the registry from here.
        props.putAll(config.serdeConfig());
        // Exactly once: the monitor reads only committed embeddings (an instance of serving killed mid-transaction
        // leaves aborted ones on the topic, which at-least-once would count), and a monitor killed between commits
        // restores windows that match its input offsets instead of counting the records since the commit twice.
        props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // The record cache (default 10 MB) folds the write of a source's pane partial at every embedding into one
        // changelog record per commit: without it each embedding writes 16*D bytes to the changelog (a window store
        // without the cache was 9x slower, docs/bench/monitoring.md). Partials reach the windows through the
        // repartition topic once committed: a 1 s commit bounds what that adds to a window's emission.
        props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        // Never wait on an empty input partition: the dead-letter partition is empty nearly always, and while a task
        // waits on one, Kafka Streams 4.2.1's PartitionGroup formats a log String per record processed. The price: a
        // dead letter fetched after embeddings later than its window's close (end + grace) is dropped from it; with
        // the default grace that takes a fetch minutes behind, with grace 0 a fetch behind the closing embedding.
        props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        return props;
    }

    public MonitorService start() {
        streams.start();
        prometheus.start();
        return this;
    }

    /** Embeddings the topology has read since it started. */
    public long embeddingsObserved() {
        return meters.embeddingsObserved();
    }

    /** What it has counted since it started: embeddings, windows, alerts, unreadable records. */
    public MonitorMeters meters() {
        return meters;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The port the Prometheus endpoint listens on (useful when configured as 0). */
    public int prometheusPort() {
        return prometheus.getAddress().getPort();
    }

    @Override
    public void close() {
        prometheus.stop(0);
        streams.close(Duration.ofSeconds(30));
    }
}
