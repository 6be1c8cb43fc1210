package io.extrema.serving.app;

import com.sun.net.httpserver.HttpServer;
import io.extrema.model.ComputeDevice;
import io.extrema.model.ExtremaConfig;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.deadletter.DeadLetterDeserializationHandler;
import io.extrema.serving.deadletter.DeadLetterProcessingHandler;
import io.extrema.serving.deadletter.DeadLetterRouting;
import io.extrema.serving.embed.BatchEmbedProcessor;
import io.extrema.serving.embed.InferenceWorkers;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.live.ModelFollower;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.PrometheusHandler;
import io.extrema.serving.metrics.ServingMetrics;
import io.extrema.serving.query.EmbeddingQueries;
import io.extrema.serving.topology.EmbeddingTopology;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding service: follows the models topic, runs the embedding topology, serves its metrics. Start one
 * or many with the same application id; they share the images topic's partitions.
 */
public final class EmbeddingService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingService.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private final ServingConfig config;
    private final ServingMetrics metrics = new ServingMetrics();
    private final LiveModel live = new LiveModel(metrics);
    private final InferenceWorkers workers;
    private final Map<String, Object> streamsConfig;
    private ModelFollower follower;
    private KafkaStreams streams;
    private HttpServer http;

    public EmbeddingService(ServingConfig config) {
        this.config = config;
        // Before the engine loads: each inference thread embeds on its share of the cores.
        ComputeDevice.shareCores(config.inferenceThreads());
        this.workers = InferenceWorkers.of(config.inferenceThreads(), config.streamThreads(), metrics);
        this.streamsConfig = streamsConfig(config, metrics);
    }

    /**
     * Every Kafka Streams and client setting of the service, with the reason for each; {@code kafka.}-prefixed
     * settings come last and win.
     */
    public static Map<String, Object> streamsConfig(ServingConfig config, ServingMetrics metrics) {
        Map<String, Object> p = new HashMap<>();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.getString(ServingConfig.APPLICATION_ID));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(ServingConfig.BOOTSTRAP_SERVERS));
        // The Avro serdes, the dead-letter serializer and the model follower read the registry from this map.
        p.putAll(config.serdeConfig());
        // exactly_once_v2 by default: each image embedded once per model version, even across crashes.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.getString(ServingConfig.PROCESSING_GUARANTEE));
        // One per four inference threads by default: one thread's batches gather more of the stream (ServingConfig).
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.getString(ServingConfig.STATE_DIR));
        // Output becomes visible to read_committed readers at each commit. A thread that keeps up asks for a
        // commit once it has forwarded embeddings, at most one per batch.commit.spacing.ms (BatchEmbedProcessor), so
        // latency does not depend on this interval; it paces only a thread that is behind, where each exactly-once
        // commit (~20 ms) taken every 100 ms cost 12 % of the drain. Any value is safe for the batch buffer (it is
        // a changelogged store).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000L);
        // Images waiting for their batch sit in the buffer store's cache; an image embedded before the next
        // commit never reaches the changelog. 32 MiB holds several full batches of large images per task.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 32L * 1024 * 1024);
        // Records the service cannot read or embed go to the dead-letter topic, in the same transaction.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        p.put(DeadLetterRouting.TOPIC_CONFIG, config.getString(ServingConfig.DLQ_TOPIC));
        p.put(DeadLetterRouting.METRICS_CONFIG, metrics);
        // The stream thread runs the processor's punctuations (collect the batches that came back, cut a lingering
        // one, ask for a commit) only between polls, and a poll with nothing fetched yet blocks up to poll.ms (100
        // ms by default) while the workers sit idle with their batches done: poll no longer than one punctuation
        // period (at half the maximum rate, p99 218-276 ms over three runs against 223-350 over four, session 23).
        p.put(
                StreamsConfig.POLL_MS_CONFIG,
                BatchEmbedProcessor.punctuationPeriod(config.batchRule()).toMillis());
        // Embeddings are already batched by the processor; do not wait Kafka Streams' default 100 ms more.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        // An embedding with patch tokens of a large model can exceed the default 1 MiB request.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 16 * 1024 * 1024);
        // Fewer images per poll: a poll's worth must be embedded within max.poll.interval.ms on a slow CPU.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 256);
        // By default a fetch returns as soon as one image arrives: at 200 images/s, some 200 fetches a second, each
        // a poll-loop turn here and a request in the broker. Waiting up to the batch linger (capped at Kafka's 500 ms)
        // for 32 KiB gathers the images a batch would wait for anyway: at 200/s the service used 0.72-0.80 cores
        // instead of 0.84-0.99 and the broker 0.44-0.48 instead of 0.48-0.56, latency no worse (session 17).
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 32 * 1024);
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), (int)
                Math.min(config.getLong(ServingConfig.BATCH_LINGER_MS), 500));
        p.putAll(config.kafkaOverrides());
        return p;
    }

    /**
     * Reads the models topic up to its end and puts its newest loadable version in place (or, with none, a fresh
     * network or a wait for the first version), then starts the topology and the metrics endpoint.
     */
    public void start() throws InterruptedException, IOException {
        follower = new ModelFollower(
                streamsConfig,
                config.getString(ServingConfig.MODELS_TOPIC),
                config.getString(ServingConfig.MODEL_NAME),
                live,
                metrics);
        follower.start();
        if (!follower.awaitCaughtUp(Duration.ofMinutes(5))) {
            LOG.warn("the models topic is not read to its end after 5 minutes; deciding with what is loaded");
        }
        if (live.id().isEmpty()) {
            boolean trainedButUnreadable = follower.trainedVersionsSeen();
            if (config.startFresh() && trainedButUnreadable) {
                LOG.error(
                        "the models topic {} holds versions of {} but none could be read or loaded ({} records "
                                + "unreadable: {}); waiting for a version that loads instead of embedding with a fresh "
                                + "network",
                        config.getString(ServingConfig.MODELS_TOPIC),
                        config.getString(ServingConfig.MODEL_NAME).isEmpty()
                                ? "any lineage"
                                : config.getString(ServingConfig.MODEL_NAME),
                        follower.unreadable().total(),
                        follower.unreadable().byCause().keySet());
            }
            if (config.startFresh() && !trainedButUnreadable) {
                ExtremaConfig preset = ExtremaConfig.preset(config.getString(ServingConfig.MODEL_FRESH_PRESET))
                        .withSeed(config.getLong(ServingConfig.MODEL_FRESH_SEED));
                live.swap(ServingModel.fresh("fresh-" + config.getString(ServingConfig.MODEL_FRESH_PRESET), preset));
            } else {
                // Consuming images with no model would only pile them up; wait, so the backlog stays in Kafka.
                while (!live.awaitModel(Duration.ofSeconds(30))) {
                    LOG.info("waiting for a model version on {}", config.getString(ServingConfig.MODELS_TOPIC));
                }
            }
        }
        int port = config.getInt(ServingConfig.METRICS_PORT);
        String host = config.getString(ServingConfig.METRICS_HOST);
        if (port >= 0) {
            // Bound before Kafka Streams starts, so the advertised query address has the real (maybe free) port.
            http = HttpServer.create(new InetSocketAddress(host, port), 0);
        }
        Map<String, Object> props = new HashMap<>(streamsConfig);
        boolean queries = config.getBoolean(ServingConfig.QUERY_STORE);
        HostInfo self = null;
        if (queries) {
            if (http == null) {
                throw new ConfigException(ServingConfig.QUERY_STORE + " needs the HTTP endpoint: "
                        + ServingConfig.METRICS_PORT + " >= 0");
            }
            String advertised = config.getString(ServingConfig.QUERY_ADVERTISED_HOST);
            self = new HostInfo(
                    advertised.isEmpty() ? host : advertised, http.getAddress().getPort());
            // Where other instances send the queries for keys this one owns.
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        }
        streams = new KafkaStreams(EmbeddingTopology.build(config, props, live, workers), new StreamsConfig(props));
        // A failure outside any record (inference itself) restarts the thread; its batch is still buffered.
        streams.setUncaughtExceptionHandler(e -> StreamThreadExceptionResponse.REPLACE_THREAD);
        streams.start();
        if (http != null) {
            http.createContext("/metrics", new PrometheusHandler(List.of(streams::metrics, metrics::all)));
            if (queries) {
                http.createContext("/embeddings/", new EmbeddingQueries(streams, self));
            }
            http.start();
            LOG.info(
                    "metrics on http://{}:{}/metrics{}",
                    host,
                    http.getAddress().getPort(),
                    queries ? ", queries on /embeddings/{id}[/nearest?k=]" : "");
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public ServingMetrics metrics() {
        return metrics;
    }

    public LiveModel liveModel() {
        return live;
    }

    /** The HTTP endpoint's port (metrics, queries), when it runs. */
    public Optional<Integer> metricsPort() {
        return Optional.ofNullable(http).map(h -> h.getAddress().getPort());
    }

    /**
     * Leaves the group (so partitions move at once, not after a session timeout), commits, and closes. Images
     * still buffered were committed to the buffer's changelog and are embedded by the partition's next owner.
     */
    @Override
    public void close() throws InterruptedException {
        if (http != null) {
            http.stop(0);
        }
        if (streams != null) {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(CLOSE_TIMEOUT));
        }
        workers.close(); // after the stream threads: no batch is submitted any more
        if (follower != null) {
            follower.close();
        }
        live.close();
        metrics.close();
    }

    /** {@code key=value} settings (see {@link ServingConfig#help()}); runs until the JVM is asked to stop. */
    public static void main(String[] args) throws Exception {
        Map<String, String> props = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 1) {
                System.err.println("settings are key=value; known settings:\n" + ServingConfig.help());
                System.exit(2);
            }
            props.put(a.substring(0, eq), a.substring(eq + 1));
        }
        EmbeddingService service = new EmbeddingService(new ServingConfig(props));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                service.close();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "extrema-serving-shutdown"));
        service.start();
        Thread.currentThread().join(); // the stream threads do the work; the hook ends the JVM cleanly
    }
}
