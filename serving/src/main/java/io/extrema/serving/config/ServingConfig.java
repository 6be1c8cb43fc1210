package io.extrema.serving.config;

import io.extrema.images.ImageLimits;
import io.extrema.model.ComputeDevice;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.Normalisation;
import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.Topics;
import io.extrema.serving.embed.BatchRule;
import io.extrema.serving.embed.EmbeddingOutput;
import io.extrema.serving.embed.ImagePreparation;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * Every setting of the embedding service, declared once: type, default, validator and doc, so {@code --help} and
 * docs/serving.md come from the same source. Settings starting with {@code kafka.} are passed, prefix removed, to
 * Kafka Streams and its clients (and to the serdes), after ours.
 */
public final class ServingConfig extends AbstractConfig {
    public static final String KAFKA_PREFIX = ClientSettings.KAFKA_PREFIX;

    public static final String BOOTSTRAP_SERVERS = ClientSettings.BOOTSTRAP_SERVERS;
    public static final String SCHEMA_REGISTRY_URL = ClientSettings.SCHEMA_REGISTRY_URL;
    public static final String APPLICATION_ID = "application.id";
    public static final String IMAGES_TOPIC = "topic.images";
    public static final String EMBEDDINGS_TOPIC = "topic.embeddings";
    public static final String MODELS_TOPIC = "topic.models";
    public static final String DLQ_TOPIC = "topic.dlq";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String STREAM_THREADS = "num.stream.threads";
    public static final String INFERENCE_THREADS = "inference.threads";
    public static final String STATE_DIR = "state.dir";
    public static final String BATCH_SIZE = "batch.size";
    public static final String BATCH_LINGER_MS = "batch.linger.ms";
    public static final String BATCH_MAX_WAIT_MS = "batch.max.wait.ms";
    public static final String BATCH_COMMIT_SPACING_MS = "batch.commit.spacing.ms";
    public static final String MODEL_NAME = "model.name";
    public static final String MODEL_START = "model.start";
    public static final String MODEL_FRESH_PRESET = "model.fresh.preset";
    public static final String MODEL_FRESH_SEED = "model.fresh.seed";
    public static final String OUTPUT_TOKENS = "output.tokens";
    public static final String OUTPUT_NORMALIZE = "output.normalize";
    public static final String OUTPUT_ATTRIBUTES = "output.attributes";
    public static final String IMAGE_MAX_BYTES = "image.max.bytes";
    public static final String IMAGE_MAX_PIXELS = "image.max.pixels";
    public static final String IMAGE_MAX_SIDE = "image.max.side";
    public static final String IMAGE_CROP = "image.crop";
    public static final String IMAGE_NORMALISATION = "image.normalisation";
    public static final String QUERY_STORE = "query.store";
    public static final String QUERY_ADVERTISED_HOST = "query.advertised.host";
    public static final String METRICS_HOST = "metrics.host";
    public static final String METRICS_PORT = "metrics.port";

    /**
     * Measured on cifar-tiny, 2 cores: a stream thread spends about 0.7 ms per image (Avro, decode, resize, Kafka),
     * an inference thread about 3 ms in full batches, so one stream thread keeps four busy. Fewer stream threads
     * also make larger batches at a given rate: at 200 images/s one thread gave p99 470-660 ms against 620-950 for
     * two, at the same throughput (docs/benchmarks.md, session 17).
     */
    static final int INFERENCE_THREADS_PER_STREAM_THREAD = 4;

    public static final String START_WAIT = "wait";
    public static final String START_FRESH = "fresh";

    public static final ConfigDef DEF = ClientSettings.define(new ConfigDef())
            .define(
                    APPLICATION_ID,
                    Type.STRING,
                    "extrema-serving",
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "Kafka Streams application id. Instances with the same id share the images topic's partitions.")
            .define(
                    IMAGES_TOPIC,
                    Type.STRING,
                    Topics.IMAGES,
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Input: ImageRecords keyed by image id.")
            .define(
                    EMBEDDINGS_TOPIC,
                    Type.STRING,
                    Topics.EMBEDDINGS,
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Output: EmbeddingRecords keyed by image id.")
            .define(
                    MODELS_TOPIC,
                    Type.STRING,
                    Topics.MODELS,
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Model versions (chunks then manifest) published by the trainer, followed from the beginning.")
            .define(
                    DLQ_TOPIC,
                    Type.STRING,
                    Topics.DLQ_SERVING,
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Dead letters: records that could not be read or embedded, with their original bytes and reason.")
            .define(
                    PROCESSING_GUARANTEE,
                    Type.STRING,
                    "exactly_once_v2",
                    ValidString.in("exactly_once_v2", "at_least_once"),
                    Importance.MEDIUM,
                    "exactly_once_v2: each image is embedded once per model version even across crashes "
                            + "(consumers should read with isolation.level=read_committed). at_least_once: "
                            + "lower latency, duplicates possible after a crash.")
            .define(
                    STREAM_THREADS,
                    Type.INT,
                    0,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Stream threads: each reads, decodes, batches and commits its partitions' images and hands "
                            + "its batches to the inference threads. 0: one per "
                            + INFERENCE_THREADS_PER_STREAM_THREAD
                            + " inference threads (a stream thread's share of an image costs about a quarter of its "
                            + "inference on a CPU), so each thread's batches gather more of the stream.")
            .define(
                    INFERENCE_THREADS,
                    Type.INT,
                    0,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Threads that run inference batches, each on its share of libtorch's intra-op threads (cores / "
                            + "threads), while the stream threads go on reading and committing. 0: one per core on a "
                            + "CPU (the highest throughput on a CPU shared with a broker), one when a GPU is used "
                            + "(docs/serving.md).")
            .define(
                    STATE_DIR,
                    Type.STRING,
                    System.getProperty("java.io.tmpdir") + "/extrema-serving",
                    Importance.LOW,
                    "Kafka Streams state directory (holds the small batch buffer's checkpoint).")
            .define(
                    BATCH_SIZE,
                    Type.INT,
                    32,
                    Range.between(1, 4096),
                    Importance.MEDIUM,
                    "Images per inference batch, at most. A batch runs as soon as it is full.")
            .define(
                    BATCH_LINGER_MS,
                    Type.LONG,
                    20L,
                    Range.between(1, 10_000),
                    Importance.MEDIUM,
                    "How long an image waits for its batch to fill before the batch runs anyway, while the stream "
                            + "thread keeps up with the stream, counted from when it was produced (its record "
                            + "timestamp, at most one linger before it arrived). One batch serves every partition of "
                            + "a stream thread.")
            .define(
                    BATCH_MAX_WAIT_MS,
                    Type.LONG,
                    500L,
                    Range.between(1, 60_000),
                    Importance.LOW,
                    "Longest an image waits for its batch. A thread whose newest image was produced longer ago than "
                            + "this is behind: it runs only full batches (or after this wait), since the images are "
                            + "already on the topic.")
            .define(
                    BATCH_COMMIT_SPACING_MS,
                    Type.LONG,
                    100L,
                    Range.between(0, 600_000),
                    Importance.LOW,
                    "Least time between the commits a stream thread asks for once it has forwarded embeddings while it "
                            + "keeps up with the stream, so read_committed consumers see them soon: an embedding "
                            + "waits at most about this long for its commit. Each exactly-once commit blocks the "
                            + "thread about 20 ms: raise this to spend fewer. A thread that is behind commits at the "
                            + "Kafka Streams commit interval only.")
            .define(
                    MODEL_NAME,
                    Type.STRING,
                    "",
                    Importance.MEDIUM,
                    "Follow only this model lineage on the models topic; empty follows whichever the trainer publishes.")
            .define(
                    MODEL_START,
                    Type.STRING,
                    START_WAIT,
                    ValidString.in(START_WAIT, START_FRESH),
                    Importance.MEDIUM,
                    "With no valid model version on the models topic at start: 'wait' consumes no image until one "
                            + "arrives; 'fresh' embeds with a freshly initialised network, modelVersion 0 in every "
                            + "record, until the first version arrives.")
            .define(
                    MODEL_FRESH_PRESET,
                    Type.STRING,
                    "cifar-tiny",
                    ValidString.in(ExtremaConfig.PRESETS.toArray(String[]::new)),
                    Importance.LOW,
                    "ExtremaConfig preset of the freshly initialised network (model.start=fresh).")
            .define(
                    MODEL_FRESH_SEED,
                    Type.LONG,
                    0L,
                    Importance.LOW,
                    "Seed of the freshly initialised network, so every instance embeds alike.")
            .define(
                    OUTPUT_TOKENS,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Also output the patch tokens (the distributed representation) with their grid shape.")
            .define(
                    OUTPUT_NORMALIZE,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "L2-normalise the instance embedding (and each patch token).")
            .define(
                    OUTPUT_ATTRIBUTES,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Copy the image's attributes into the embedding record.")
            .define(
                    IMAGE_MAX_BYTES,
                    Type.LONG,
                    ImageLimits.defaults().maxBytes(),
                    Range.atLeast(1),
                    Importance.LOW,
                    "Images larger than this are dead-lettered.")
            .define(
                    IMAGE_MAX_PIXELS,
                    Type.LONG,
                    ImageLimits.defaults().maxPixels(),
                    Range.atLeast(1),
                    Importance.LOW,
                    "Images declaring more pixels are dead-lettered before decoding.")
            .define(
                    IMAGE_MAX_SIDE,
                    Type.INT,
                    ImageLimits.defaults().maxWidth(),
                    Range.atLeast(1),
                    Importance.LOW,
                    "Images wider or taller than this are dead-lettered before decoding.")
            .define(
                    IMAGE_CROP,
                    Type.STRING,
                    "whole",
                    ValidString.in("whole", "imagenet"),
                    Importance.LOW,
                    "Evaluation transform: 'whole' resizes the centred square to the model's size; 'imagenet' "
                            + "resizes to size/0.875 and takes the centred crop.")
            .define(
                    IMAGE_NORMALISATION,
                    Type.STRING,
                    "imagenet",
                    ValidString.in("imagenet", "cifar10"),
                    Importance.LOW,
                    "Channel statistics, as the trainer used them (the paper's recipe: imagenet).")
            .define(
                    METRICS_HOST,
                    Type.STRING,
                    "127.0.0.1",
                    Importance.LOW,
                    "Interface of the HTTP endpoint: metrics and queries (loopback by default: expose deliberately).")
            .define(
                    METRICS_PORT,
                    Type.INT,
                    9406,
                    Range.between(-1, 65_535),
                    Importance.LOW,
                    "Port of the HTTP endpoint (GET /metrics, and /embeddings/... with query.store); 0 picks a free "
                            + "port, -1 disables it.")
            .define(
                    QUERY_STORE,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Keep each image's latest embedding in a local store (changelogged: one more write per "
                            + "embedding) and answer GET /embeddings/{id} and /embeddings/{id}/nearest?k= across "
                            + "all instances. Needs the HTTP endpoint (metrics.port >= 0).")
            .define(
                    QUERY_ADVERTISED_HOST,
                    Type.STRING,
                    "",
                    Importance.LOW,
                    "Host other instances use to reach this one's queries; empty means metrics.host.");

    public ServingConfig(Map<?, ?> props) {
        super(DEF, props);
    }

    /** Settings of the Avro serdes and the registry client: the registry URL and credentials. */
    public Map<String, Object> serdeConfig() {
        return ClientSettings.serdeConfig(this);
    }

    /** Settings given with the {@code kafka.} prefix, prefix removed. */
    public Map<String, Object> kafkaOverrides() {
        return originalsWithPrefix(KAFKA_PREFIX);
    }

    private ImageLimits imageLimits() {
        int side = getInt(IMAGE_MAX_SIDE);
        return new ImageLimits(getLong(IMAGE_MAX_BYTES), getLong(IMAGE_MAX_PIXELS), side, side);
    }

    /** {@value #STREAM_THREADS}, with 0 resolved to one per {@value #INFERENCE_THREADS_PER_STREAM_THREAD} inference threads. */
    public int streamThreads() {
        int threads = getInt(STREAM_THREADS);
        return threads == 0
                ? (inferenceThreads() + INFERENCE_THREADS_PER_STREAM_THREAD - 1) / INFERENCE_THREADS_PER_STREAM_THREAD
                : threads;
    }

    /** {@value #INFERENCE_THREADS}, with 0 resolved for this machine ({@link ComputeDevice#modelThreads}). */
    public int inferenceThreads() {
        int threads = getInt(INFERENCE_THREADS);
        return threads == 0 ? ComputeDevice.modelThreads() : threads;
    }

    public ImagePreparation imagePreparation() {
        return new ImagePreparation(
                imageLimits(),
                "imagenet".equals(getString(IMAGE_CROP)),
                "cifar10".equals(getString(IMAGE_NORMALISATION)) ? Normalisation.CIFAR10 : Normalisation.IMAGENET);
    }

    public BatchRule batchRule() {
        return new BatchRule(
                getInt(BATCH_SIZE),
                Duration.ofMillis(getLong(BATCH_LINGER_MS)),
                Duration.ofMillis(getLong(BATCH_MAX_WAIT_MS)),
                Duration.ofMillis(getLong(BATCH_COMMIT_SPACING_MS)));
    }

    public EmbeddingOutput embeddingOutput() {
        return new EmbeddingOutput(
                getBoolean(OUTPUT_TOKENS), getBoolean(OUTPUT_NORMALIZE), getBoolean(OUTPUT_ATTRIBUTES));
    }

    public boolean startFresh() {
        return START_FRESH.equals(getString(MODEL_START));
    }

    /** The ConfigDef as documentation rows, for {@code --help} and docs. */
    public static String help() {
        return DEF.toEnrichedRst();
    }
}
