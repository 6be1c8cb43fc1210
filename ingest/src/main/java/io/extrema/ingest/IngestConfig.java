package io.extrema.ingest;

import io.extrema.images.ImageLimits;
import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.Topics;
import io.extrema.schemas.serde.AvroSerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Every ingest setting, declared once: the CLI's {@code --help} and docs/ingest.md come from {@link #CONFIG}. The
 * Kafka and registry addresses and credentials are every command's ({@link ClientSettings}, the local stack's by
 * default), the other schema-registry settings the serdes' own ({@link AvroSerdeConfig}); any setting prefixed
 * {@code kafka.} goes to the producer unchanged (it overrides the tuned defaults of {@link #producerConfigs()}).
 */
public final class IngestConfig extends AbstractConfig {
    public static final String KAFKA_PREFIX = ClientSettings.KAFKA_PREFIX;

    public static final String BOOTSTRAP_SERVERS = ClientSettings.BOOTSTRAP_SERVERS;
    public static final String TOPIC = "topic";
    public static final String DLQ_TOPIC = "dlq.topic";
    public static final String SOURCE_NAME = "source.name";
    public static final String ID_MODE = "id.mode";
    public static final String LABEL_BY_FOLDER = "label.by.folder";
    public static final String SHUFFLE_SEED = "shuffle.seed";
    public static final String VALIDATE = "validate";
    public static final String VALIDATE_DECODE = "validate.decode";
    public static final String MAX_BYTES = "max.bytes";
    public static final String MAX_PIXELS = "max.pixels";
    public static final String MAX_WIDTH = "max.width";
    public static final String MAX_HEIGHT = "max.height";
    public static final String RESIZE_MAX_SIDE = "resize.max.side";
    public static final String RATE = "rate";
    public static final String LOOPS = "loops";
    public static final String TOLERATE_REFUSED = "tolerate.refused";
    public static final String QUIET = "quiet";
    public static final String WATCH_SETTLE_MS = "watch.settle.ms";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_THREADS = "http.threads";
    public static final String HTTP_QUEUE = "http.queue";
    public static final String ACK_TIMEOUT_MS = "ack.timeout.ms";

    public static final String ID_SHA256 = "sha256";
    public static final String ID_KEY = "key";

    private static final ImageLimits LIMITS = ImageLimits.defaults();

    public static final ConfigDef CONFIG = withSerdeSettings(ClientSettings.define(new ConfigDef()))
            .define(
                    TOPIC,
                    Type.STRING,
                    Topics.IMAGES,
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "Topic the ImageRecords are written to, keyed by image id.")
            .define(
                    DLQ_TOPIC,
                    Type.STRING,
                    Topics.DLQ_INGEST,
                    new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Dead-letter topic: every refused image goes there as a DeadLetter with its original bytes and the reason.")
            .define(
                    SOURCE_NAME,
                    Type.STRING,
                    "",
                    Importance.LOW,
                    "The records' source field; empty = the path (or 'stdin', 'http').")
            .define(
                    ID_MODE,
                    Type.STRING,
                    ID_SHA256,
                    ValidString.in(ID_SHA256, ID_KEY),
                    Importance.MEDIUM,
                    "sha256: id = hex SHA-256 of the bytes sent, so re-sending a file is idempotent downstream. "
                            + "key: id = the path inside the source (relative path, tar member name).")
            .define(
                    LABEL_BY_FOLDER,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "Label images by their parent folder (ImageFolder: split/<class>/x.jpg) unless a WebDataset .cls gives one.")
            .define(
                    SHUFFLE_SEED,
                    Type.LONG,
                    null,
                    Importance.LOW,
                    "Folders: send in a seeded random order instead of sorted path order. Tars keep their order.")
            .define(
                    VALIDATE,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "Check every image's header against the limits before sending (false sends bytes unchecked: benchmarks only).")
            .define(
                    VALIDATE_DECODE,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Also decode every image fully (catches corrupt pixel data; about 10x slower than the header check).")
            .define(
                    MAX_BYTES,
                    Type.LONG,
                    LIMITS.maxBytes(),
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Largest encoded image accepted, in bytes. The images topic accepts 8 MiB messages.")
            .define(
                    MAX_PIXELS,
                    Type.LONG,
                    LIMITS.maxPixels(),
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Largest declared width x height accepted; checked from the header, so decompression bombs are never decoded.")
            .define(MAX_WIDTH, Type.INT, LIMITS.maxWidth(), Range.atLeast(1), Importance.LOW, "Largest declared width.")
            .define(
                    MAX_HEIGHT,
                    Type.INT,
                    LIMITS.maxHeight(),
                    Range.atLeast(1),
                    Importance.LOW,
                    "Largest declared height.")
            .define(
                    RESIZE_MAX_SIDE,
                    Type.INT,
                    0,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "0: send bytes as they are. N: images with a side longer than N are scaled down to N and re-encoded "
                            + "(JPEG stays JPEG, anything else becomes PNG); smaller images are never re-encoded.")
            .define(
                    RATE,
                    Type.DOUBLE,
                    0.0,
                    Range.atLeast(0),
                    Importance.MEDIUM,
                    "Images per second to send at (replay, load tests, demos); 0 = as fast as possible.")
            .define(
                    LOOPS,
                    Type.INT,
                    1,
                    Range.atLeast(0),
                    Importance.LOW,
                    "How many times to send the source; 0 = forever (until interrupted).")
            .define(
                    TOLERATE_REFUSED,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Exit with status 0 even when images were refused (they are still reported and dead-lettered).")
            .define(QUIET, Type.BOOLEAN, false, Importance.LOW, "No progress bar; only the final summary.")
            .define(
                    WATCH_SETTLE_MS,
                    Type.LONG,
                    1000L,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Watch mode: a new file is sent once its size has not changed for this long (it is fully written).")
            .define(HTTP_HOST, Type.STRING, "127.0.0.1", Importance.MEDIUM, "HTTP endpoint: address to bind.")
            .define(
                    HTTP_PORT,
                    Type.INT,
                    8080,
                    Range.between(0, 65535),
                    Importance.MEDIUM,
                    "HTTP endpoint: port (0 = any free port).")
            .define(
                    HTTP_THREADS,
                    Type.INT,
                    8,
                    Range.atLeast(1),
                    Importance.LOW,
                    "HTTP endpoint: request threads; each holds at most one body in memory.")
            .define(
                    HTTP_QUEUE,
                    Type.INT,
                    64,
                    Range.atLeast(0),
                    Importance.LOW,
                    "HTTP endpoint: requests waiting for a thread; beyond it the server answers 503.")
            .define(
                    ACK_TIMEOUT_MS,
                    Type.LONG,
                    30_000L,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "How long to wait for the broker's acknowledgement of a record before reporting Kafka unavailable.");

    /**
     * The serdes' own settings (registry timeouts and retries, auto.register.schemas) beside the Kafka and registry
     * addresses and credentials, which every command declares the same way, with the local stack's by default.
     */
    private static ConfigDef withSerdeSettings(ConfigDef def) {
        AvroSerdeConfig.CONFIG.configKeys().values().stream()
                .filter(key -> !def.configKeys().containsKey(key.name))
                .forEach(def::define);
        return def;
    }

    public IngestConfig(Map<?, ?> settings) {
        super(CONFIG, settings);
    }

    public ImageLimits limits() {
        return new ImageLimits(getLong(MAX_BYTES), getLong(MAX_PIXELS), getInt(MAX_WIDTH), getInt(MAX_HEIGHT));
    }

    /**
     * Settings for the schema-registry serializers: the {@link AvroSerdeConfig} names given to ingest, with the
     * registry URL and credentials as every command hands them over ({@link ClientSettings#serdeConfig}).
     */
    public Map<String, Object> serdeConfigs() {
        Map<String, Object> serde = new HashMap<>();
        for (String name : AvroSerdeConfig.CONFIG.names()) {
            if (originals().containsKey(name)) serde.put(name, originals().get(name));
        }
        serde.putAll(ClientSettings.serdeConfig(this)); // the registry URL's default is not in the originals
        return serde;
    }

    /**
     * Producer settings tuned for image payloads, then every {@code kafka.*} setting on top.
     * <ul>
     *   <li>{@code enable.idempotence}, {@code acks=all}: a retried batch is never written twice, an acknowledged
     *       image survives a broker failover.</li>
     *   <li>{@code compression.type=lz4}: JPEG pixel data is already entropy-coded, but small images repeat the
     *       same header, quantisation and Huffman tables in every file, which lz4 finds across a batch: on CIFAR-10
     *       JPEGs batches shrink to 35 % and the plain producer ran 2.6x faster than with {@code none}
     *       (docs/bench/ingest.md). On large photos lz4 gains little but costs little (it skips incompressible
     *       input quickly); gzip/zstd would cost CPU the shared cores need.</li>
     *   <li>{@code batch.size} 1 MiB, {@code linger.ms} 5: many small images share a request (a CIFAR JPEG is
     *       ~900 bytes), while a single large photo is still sent at once; 5 ms is invisible next to the ack.</li>
     *   <li>{@code buffer.memory} 64 MiB and {@code max.block.ms} 60 s: at most 64 MiB of images wait in the
     *       producer; when the broker is slower than the source, {@code send} blocks (backpressure) instead of
     *       queueing without bound.</li>
     *   <li>{@code max.request.size} 8 MiB + 64 KiB: the images topic's {@code max.message.bytes} plus headroom for
     *       the record's metadata, so any image within {@code max.bytes} fits.</li>
     * </ul>
     */
    public Map<String, Object> producerConfigs() {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS));
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        producer.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (8 << 20) + (64 << 10));
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, "extrema-ingest");
        producer.putAll(originalsWithPrefix(KAFKA_PREFIX));
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return producer;
    }
}
