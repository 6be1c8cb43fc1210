package io.extrema.trainer.config;

import ai.djl.Device;
import io.extrema.images.ImageLimits;
import io.extrema.model.ComputeDevice;
import io.extrema.model.ExtremaConfig;
import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.Topics;
import io.extrema.trainer.replay.ReplayPolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every trainer setting, declared once (type, default, validator, doc) so {@code --help} and the docs come from here.
 *
 * <p>Sources, later ones winning: the defaults, a properties file, environment variables
 * ({@code EXTREMA_TRAINER_BATCH_SIZE=64} sets {@code batch.size}), explicit overrides. Keys prefixed {@code kafka.}
 * are handed to every Kafka client unchanged minus the prefix (security protocol, SASL, SSL, timeouts); the
 * registry URL and credentials ({@link ClientSettings}, as every command declares them) go to the serdes;
 * {@code model.<field>} overrides one field of
 * the model preset ({@code ExtremaConfig.toMap} names, each declared here too).
 */
public final class TrainerConfig extends AbstractConfig {
    public static final String ENV_PREFIX = "EXTREMA_TRAINER_";
    public static final String KAFKA_PREFIX = ClientSettings.KAFKA_PREFIX;
    public static final String MODEL_PREFIX = "model.";

    public static final String BOOTSTRAP_SERVERS = ClientSettings.BOOTSTRAP_SERVERS;
    public static final String SCHEMA_REGISTRY_URL = ClientSettings.SCHEMA_REGISTRY_URL;
    public static final String GROUP_ID = "group.id";
    public static final String TOPIC_IMAGES = "topic.images";
    public static final String TOPIC_MODELS = "topic.models";
    public static final String TOPIC_METRICS = "topic.metrics";
    public static final String TOPIC_DLQ = "topic.dlq";

    public static final String MODEL_NAME = "model.name";
    public static final String MODEL_PRESET = "model.preset";
    public static final String DEVICE = "device";
    public static final String SEED = "seed";
    public static final String MAX_STEPS = "max.steps";
    public static final String INIT = "init";

    public static final String DECODE_THREADS = "decode.threads";
    public static final String DECODE_QUEUE = "decode.queue.capacity";
    public static final String IMAGE_MAX_BYTES = "image.max.bytes";
    public static final String IMAGE_MAX_PIXELS = "image.max.pixels";
    public static final String IMAGE_MAX_WIDTH = "image.max.width";
    public static final String IMAGE_MAX_HEIGHT = "image.max.height";

    public static final String REPLAY_POLICY = "replay.policy";
    public static final String REPLAY_CAPACITY_IMAGES = "replay.capacity.images";
    public static final String REPLAY_CAPACITY_BYTES = "replay.capacity.bytes";
    public static final String REPLAY_FACTOR = "replay.factor";
    public static final String REPLAY_MIN_FILL = "replay.min.fill";
    public static final String REPLAY_STORE_SIDE = "replay.store.max.side";

    public static final String LOG_INTERVAL_STEPS = "log.interval.steps";
    public static final String METRICS_INTERVAL_STEPS = "metrics.interval.steps";
    public static final String VERSION_INTERVAL_STEPS = "version.interval.steps";
    public static final String VERSION_INTERVAL_MINUTES = "version.interval.minutes";
    public static final String VERSION_KEEP = "version.keep";
    public static final String VERSION_CHUNK_BYTES = "version.chunk.bytes";
    public static final String CHECKPOINT_DIR = "checkpoint.dir";
    public static final String CHECKPOINT_INTERVAL_STEPS = "checkpoint.interval.steps";
    public static final String CHECKPOINT_KEEP = "checkpoint.keep";
    public static final String PROMETHEUS_PORT = "prometheus.port";
    public static final String PROBE_DIR = "probe.dir";
    public static final String PROBE_BANK_DIR = "probe.bank.dir";
    public static final String PROBE_INTERVAL_STEPS = "probe.interval.steps";
    public static final String PROBE_MAX_IMAGES = "probe.max.images";

    private static final ImageLimits DEFAULT_LIMITS = ImageLimits.defaults();
    /** {@value #INIT} naming a model version rather than a path. */
    private static final Pattern VERSION_REF = Pattern.compile("(.*)@(latest|\\d+)");

    /**
     * A model version on the models topic, as {@value #INIT} names one.
     *
     * @param version the version; 0 for the newest verified one ({@code @latest})
     */
    public record VersionRef(String modelName, long version) {}

    /** Named, so the generated docs say what it accepts rather than a lambda's class name. */
    private static final ConfigDef.Validator INIT_VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            validateInit(name, value);
        }

        @Override
        public String toString() {
            return "empty, a checkpoint path, <model name>@<version> or <model name>@latest";
        }
    };

    public static final ConfigDef DEF = ClientSettings.define(new ConfigDef()) // where
            .define(
                    GROUP_ID,
                    Type.STRING,
                    "extrema-trainer",
                    Importance.HIGH,
                    "Consumer group of the trainer. One trainer per group: every member would train its own model.")
            .define(TOPIC_IMAGES, Type.STRING, Topics.IMAGES, Importance.MEDIUM, "Topic the images are read from.")
            .define(
                    TOPIC_MODELS,
                    Type.STRING,
                    Topics.MODELS,
                    Importance.MEDIUM,
                    "Compacted single-partition topic model versions are published to.")
            .define(TOPIC_METRICS, Type.STRING, Topics.METRICS, Importance.MEDIUM, "Topic for TrainingMetrics.")
            .define(
                    TOPIC_DLQ,
                    Type.STRING,
                    Topics.DLQ_TRAINER,
                    Importance.MEDIUM,
                    "Dead-letter topic for records the trainer cannot use.")
            // what
            .define(
                    MODEL_NAME,
                    Type.STRING,
                    "extrema",
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "Lineage name of the published model versions and key of the metrics records.")
            .define(
                    MODEL_PRESET,
                    Type.STRING,
                    "cifar-tiny",
                    ValidString.in(ExtremaConfig.PRESETS.toArray(String[]::new)),
                    Importance.HIGH,
                    "Model preset; fields are overridden by model.<field> keys.")
            .define(
                    DEVICE,
                    Type.STRING,
                    "auto",
                    ValidString.in("auto", "cpu", "gpu"),
                    Importance.MEDIUM,
                    "Training device: auto takes the first GPU DJL reports, else the CPU; gpu is refused at start "
                            + "when the loaded libtorch has no CUDA or DJL finds no GPU.")
            .define(SEED, Type.LONG, 42L, Importance.LOW, "Seed of the replay sampling and augmentation.")
            .define(
                    MAX_STEPS,
                    Type.LONG,
                    0L,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Stop (gracefully) after this many steps in total; 0 trains until stopped.")
            .define(
                    INIT,
                    Type.STRING,
                    "",
                    INIT_VALIDATOR,
                    Importance.MEDIUM,
                    "Warm start: what a new lineage's network starts from while checkpoint.dir holds no checkpoint. "
                            + "A checkpoint file or directory (its newest checkpoint): its online, predictor and "
                            + "target weights. Or <model name>@<version> or <model name>@latest, a model version on "
                            + "topic.models: its target weights, into the online and target encoders, with a fresh "
                            + "predictor. The optimiser and the schedules start again at step 0, and the model "
                            + "settings must match the source's. Ignored once checkpoint.dir holds a checkpoint; "
                            + "empty starts from a random network.")
            // intake
            .define(
                    DECODE_THREADS,
                    Type.INT,
                    Math.max(1, Runtime.getRuntime().availableProcessors() - 1),
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Worker threads decoding and augmenting images, so the training thread never decodes.")
            .define(
                    DECODE_QUEUE,
                    Type.INT,
                    256,
                    Range.atLeast(1),
                    Importance.LOW,
                    "Records waiting for a decode worker; when full the consumer pauses its partitions.")
            .define(
                    IMAGE_MAX_BYTES,
                    Type.LONG,
                    DEFAULT_LIMITS.maxBytes(),
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Larger encoded images are dead-lettered.")
            .define(
                    IMAGE_MAX_PIXELS,
                    Type.LONG,
                    DEFAULT_LIMITS.maxPixels(),
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Images declaring more pixels are dead-lettered before decoding.")
            .define(
                    IMAGE_MAX_WIDTH,
                    Type.INT,
                    DEFAULT_LIMITS.maxWidth(),
                    Range.atLeast(1),
                    Importance.LOW,
                    "Wider images are dead-lettered.")
            .define(
                    IMAGE_MAX_HEIGHT,
                    Type.INT,
                    DEFAULT_LIMITS.maxHeight(),
                    Range.atLeast(1),
                    Importance.LOW,
                    "Taller images are dead-lettered.")
            // replay
            .define(
                    REPLAY_POLICY,
                    Type.STRING,
                    ReplayPolicy.RESERVOIR.configName(),
                    ValidString.in(ReplayPolicy.configNames()),
                    Importance.HIGH,
                    "reservoir: a uniform sample of the stream; min-redundancy: evict the image whose target "
                            + "embedding is closest to another's; fresh: every image trained exactly once, in order.")
            .define(
                    REPLAY_CAPACITY_IMAGES,
                    Type.INT,
                    4096,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Most images the replay buffer holds.")
            .define(
                    REPLAY_CAPACITY_BYTES,
                    Type.LONG,
                    512L * 1024 * 1024,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Most bytes of decoded pixels the replay buffer holds.")
            .define(
                    REPLAY_FACTOR,
                    Type.DOUBLE,
                    4.0,
                    Range.atLeast(1.0),
                    Importance.HIGH,
                    "Images trained per image arriving (updates per arriving image); the trainer waits for new "
                            + "images beyond this. 1 with policy fresh trains each image once.")
            .define(
                    REPLAY_MIN_FILL,
                    Type.INT,
                    0,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Images buffered before the first step; 0 means one batch.")
            .define(
                    REPLAY_STORE_SIDE,
                    Type.INT,
                    0,
                    Range.atLeast(0),
                    Importance.LOW,
                    "Decoded images are downscaled so their shorter side is at most this before buffering; "
                            + "0 means 8/7 of the model's image size (the usual resize-before-crop ratio).")
            // outputs
            .define(
                    LOG_INTERVAL_STEPS,
                    Type.INT,
                    50,
                    Range.atLeast(1),
                    Importance.LOW,
                    "Steps between progress lines in the log file (extrema train's status line on the terminal comes "
                            + "every status.interval.seconds).")
            .define(
                    METRICS_INTERVAL_STEPS,
                    Type.INT,
                    20,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Steps between TrainingMetrics records.")
            .define(
                    VERSION_INTERVAL_STEPS,
                    Type.INT,
                    1000,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Steps between published model versions.")
            .define(
                    VERSION_INTERVAL_MINUTES,
                    Type.DOUBLE,
                    15.0,
                    Range.atLeast(0.0),
                    Importance.MEDIUM,
                    "Minutes between published model versions, whichever of steps and minutes comes first; "
                            + "0 disables the time trigger.")
            .define(
                    VERSION_KEEP,
                    Type.INT,
                    3,
                    Range.atLeast(1),
                    Importance.MEDIUM,
                    "Model versions kept on the models topic; older ones are retired with tombstones.")
            .define(
                    VERSION_CHUNK_BYTES,
                    Type.INT,
                    768 * 1024,
                    Range.between(1024, 8 * 1024 * 1024),
                    Importance.LOW,
                    "Chunk size of published weights; must fit the topic's max.message.bytes.")
            .define(
                    CHECKPOINT_DIR,
                    Type.STRING,
                    "checkpoints",
                    Importance.HIGH,
                    "Directory of checkpoints, each with the consumer offsets it reflects.")
            .define(
                    CHECKPOINT_INTERVAL_STEPS,
                    Type.INT,
                    500,
                    Range.atLeast(1),
                    Importance.HIGH,
                    "Steps between checkpoints; a crash re-reads at most the records since the last one.")
            .define(CHECKPOINT_KEEP, Type.INT, 2, Range.atLeast(1), Importance.LOW, "Checkpoints kept on disk.")
            .define(
                    PROMETHEUS_PORT,
                    Type.INT,
                    9404,
                    Range.between(-1, 65535),
                    Importance.MEDIUM,
                    "Port of the Prometheus /metrics endpoint (loopback); 0 picks a free port, -1 disables it.")
            .define(
                    PROBE_DIR,
                    Type.STRING,
                    "",
                    Importance.LOW,
                    "Labelled images (an ImageFolder tree or tar) for the online k-NN probe; empty disables it.")
            .define(
                    PROBE_BANK_DIR,
                    Type.STRING,
                    "",
                    Importance.LOW,
                    "Labelled images the probe's queries are matched against (the k-NN bank), e.g. labelled images "
                            + "of the training stream; empty: half of probe.dir is the bank, half the queries.")
            .define(PROBE_INTERVAL_STEPS, Type.INT, 500, Range.atLeast(1), Importance.LOW, "Steps between probes.")
            .define(
                    PROBE_MAX_IMAGES,
                    Type.INT,
                    1000,
                    Range.atLeast(2),
                    Importance.LOW,
                    "Images read from each probe set (probe.dir, and probe.bank.dir when given).");

    static {
        // Every model field can be overridden, declared here so the help lists them and typos are refused.
        ExtremaConfig defaults = ExtremaConfig.cifarTiny();
        defaults.toMap()
                .forEach((field, value) -> DEF.define(
                        MODEL_PREFIX + field,
                        Type.STRING,
                        null,
                        Importance.LOW,
                        "Overrides the preset's " + field + " (cifar-tiny: " + value + ")."));
    }

    public TrainerConfig(Map<?, ?> props) {
        super(DEF, props, false);
    }

    /** Defaults, then the file (when given), then the environment, then {@code overrides}. */
    public static TrainerConfig load(Path propertiesFile, Map<String, String> env, Map<String, ?> overrides)
            throws IOException {
        Map<String, Object> props = new HashMap<>();
        if (propertiesFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(propertiesFile)) {
                p.load(r);
            }
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        }
        props.putAll(fromEnv(env));
        props.putAll(overrides);
        return new TrainerConfig(props);
    }

    /**
     * {@code EXTREMA_TRAINER_<KEY>}: a declared key upper-cased with dots as underscores
     * ({@code EXTREMA_TRAINER_MODEL_BATCHSIZE} sets {@code model.batchSize}); anything else, such as
     * {@code EXTREMA_TRAINER_KAFKA_SECURITY_PROTOCOL}, lower-cased with underscores as dots.
     */
    static Map<String, String> fromEnv(Map<String, String> env) {
        Map<String, String> declared = new HashMap<>();
        DEF.names()
                .forEach(k -> declared.put(
                        k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), k));
        Map<String, String> out = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(ENV_PREFIX)) {
                String rest = k.substring(ENV_PREFIX.length());
                out.put(
                        declared.getOrDefault(
                                rest, rest.toLowerCase(Locale.ROOT).replace('_', '.')),
                        v);
            }
        });
        return out;
    }

    /** Settings for every Kafka client: bootstrap servers plus the {@code kafka.}-prefixed pass-through keys. */
    public Map<String, Object> kafkaClientConfig() {
        Map<String, Object> out = new HashMap<>(originalsWithPrefix(KAFKA_PREFIX));
        out.put(BOOTSTRAP_SERVERS, getString(BOOTSTRAP_SERVERS));
        return out;
    }

    /** Settings for the Avro serdes: the registry URL and credentials. */
    public Map<String, Object> serdeConfig() {
        return ClientSettings.serdeConfig(this);
    }

    /** The model preset with the {@code model.}-prefixed overrides applied. */
    public ExtremaConfig modelConfig() {
        Map<String, String> map = ExtremaConfig.preset(getString(MODEL_PRESET)).toMap();
        map.putAll(modelOverrides());
        return ExtremaConfig.fromMap(map);
    }

    /**
     * The training device: {@code auto} is the first GPU DJL reports, else the CPU.
     *
     * @throws ConfigException for {@code gpu} when no GPU is usable (a libtorch without CUDA, or none found)
     */
    public Device device() {
        Device best = ComputeDevice.best(); // also sizes libtorch's thread pools for this machine
        return switch (getString(DEVICE)) {
            case "cpu" -> Device.cpu();
            case "gpu" -> gpu();
            default -> best;
        };
    }

    private static Device gpu() {
        try {
            return ComputeDevice.requireGpu();
        } catch (IllegalStateException e) {
            throw new ConfigException(DEVICE, "gpu", e.getMessage());
        }
    }

    /** Shorter side of a buffered image: the setting, or 8/7 of the model's image size when it is 0. */
    public int replayStoreSide(ExtremaConfig model) {
        int side = getInt(REPLAY_STORE_SIDE);
        return side > 0 ? side : (int) Math.ceil(model.imageSize() * 8 / 7.0);
    }

    /** Images buffered before the first step: the setting, or one batch when it is 0. */
    public int replayMinFill(ExtremaConfig model) {
        int fill = getInt(REPLAY_MIN_FILL);
        return fill > 0 ? fill : model.batchSize();
    }

    /** The model version {@value #INIT} names, if it names one rather than a checkpoint path. */
    public Optional<VersionRef> initVersion() {
        Matcher m = VERSION_REF.matcher(getString(INIT));
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new VersionRef(m.group(1), m.group(2).equals("latest") ? 0 : Long.parseLong(m.group(2))));
    }

    private static void validateInit(String name, Object value) {
        Matcher m = VERSION_REF.matcher(String.valueOf(value));
        if (m.matches() && (m.group(1).isEmpty() || m.group(2).matches("0+"))) {
            throw new ConfigException(
                    name, value, "a model version is <model name>@<version from 1> or " + "<model name>@latest");
        }
    }

    /** Model preset field overrides that were set: {@code model.<field>} keys, by field name. */
    public Map<String, String> modelOverrides() {
        Map<String, String> out = new HashMap<>();
        for (String field : ExtremaConfig.cifarTiny().toMap().keySet()) {
            String value = getString(MODEL_PREFIX + field);
            if (value != null) {
                out.put(field, value);
            }
        }
        return out;
    }

    public ImageLimits imageLimits() {
        return new ImageLimits(
                getLong(IMAGE_MAX_BYTES), getLong(IMAGE_MAX_PIXELS), getInt(IMAGE_MAX_WIDTH), getInt(IMAGE_MAX_HEIGHT));
    }

    public ReplayPolicy replayPolicy() {
        return ReplayPolicy.fromConfigName(getString(REPLAY_POLICY));
    }

    public Path checkpointDir() {
        return Path.of(getString(CHECKPOINT_DIR));
    }

    /** The settings as a help table, from the same definitions the parser uses. */
    public static String help() {
        return DEF.toRst();
    }
}
