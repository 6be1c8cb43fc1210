package io.extrema.ops.eval;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.ImageRejectedException;
import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.model.Checkpoint;
import io.extrema.model.Embedder;
import io.extrema.model.Embeddings;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import io.extrema.model.eval.ClassificationResult;
import io.extrema.model.eval.KnnEvaluator;
import io.extrema.model.eval.LinearProbe;
import io.extrema.model.eval.RawPixelBaseline;
import io.extrema.ops.cli.Command;
import io.extrema.ops.cli.ConsoleSettings;
import io.extrema.ops.cli.Invocation;
import io.extrema.ops.cli.StatusLine;
import io.extrema.ops.cli.UsageException;
import io.extrema.schemas.ClientSettings;
import io.extrema.schemas.Topics;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionReader;
import io.extrema.trainer.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * {@code extrema eval --train PATH --test PATH}: k-NN (k = 20, cosine, temperature-weighted votes) and linear-probe
 * accuracy of frozen target-encoder class-token features, for a model version from the models topic, a trainer
 * checkpoint, or a freshly initialised network; printed beside the same scores, on the same images, of the two
 * baselines every trained model must beat: a fresh network of the model's preset and seed, and raw pixels.
 */
public final class EvalCommand implements Command {
    public static final String TRAIN = "train";
    public static final String TEST = "test";
    public static final String MODEL = "model";
    public static final String VERSION = "model.version";
    public static final String MODEL_NAME = "model.name";
    public static final String CHECKPOINT = "checkpoint";
    public static final String PRESET = "model.preset";
    public static final String MAX_IMAGES = "max.images";
    public static final String LINEAR = "linear";
    public static final String BOOTSTRAP_SERVERS = ClientSettings.BOOTSTRAP_SERVERS;
    public static final String MODELS_TOPIC = "topic.models";

    private static final int BATCH = 64;
    /** Width of the row labels of the results. */
    private static final int LABEL = 28;

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "k-NN and linear-probe accuracy of a model version, checkpoint or fresh network on labelled images, "
                + "beside a fresh network's and raw pixels'.";
    }

    @Override
    public ConfigDef settings() {
        // Kafka, the registry and its credentials: for model=topic.
        return ConsoleSettings.defineLongRunning(
                ClientSettings.define(new ConfigDef())
                        .define(
                                TRAIN,
                                Type.STRING,
                                ConfigDef.NO_DEFAULT_VALUE,
                                Importance.HIGH,
                                "Labelled images the k-NN bank and the linear classifier are fitted on: a folder tree "
                                        + "(labels from sub-folders) or a tar/tar.gz/WebDataset shard.")
                        .define(
                                TEST,
                                Type.STRING,
                                ConfigDef.NO_DEFAULT_VALUE,
                                Importance.HIGH,
                                "Labelled images the accuracy is measured on (same forms as --train).")
                        .define(
                                MODEL,
                                Type.STRING,
                                "topic",
                                ValidString.in("topic", "checkpoint", "fresh"),
                                Importance.HIGH,
                                "topic: a model version from the models topic; checkpoint: a trainer checkpoint "
                                        + "(--checkpoint); fresh: a randomly initialised network of --model.preset.")
                        .define(
                                VERSION,
                                Type.LONG,
                                0L,
                                Range.atLeast(0),
                                Importance.MEDIUM,
                                "With model=topic: the version to evaluate; 0 takes the newest verified one.")
                        .define(
                                MODEL_NAME,
                                Type.STRING,
                                "",
                                Importance.LOW,
                                "With model=topic: only this model lineage; empty accepts any.")
                        .define(
                                CHECKPOINT,
                                Type.STRING,
                                "",
                                Importance.MEDIUM,
                                "With model=checkpoint: a trainer checkpoint.dir (its newest complete checkpoint is used) "
                                        + "or a model checkpoint file (extrema.ckpt).")
                        .define(
                                PRESET,
                                Type.STRING,
                                "cifar-tiny",
                                ValidString.in(ExtremaConfig.PRESETS.toArray(String[]::new)),
                                Importance.LOW,
                                "With model=fresh: the network preset.")
                        .define(
                                MAX_IMAGES,
                                Type.INT,
                                0,
                                Range.atLeast(0),
                                Importance.LOW,
                                "Read at most this many images of each set; 0 reads all.")
                        .define(
                                LINEAR,
                                Type.BOOLEAN,
                                true,
                                Importance.LOW,
                                "Also fit a linear probe (weight decay chosen on 10 % held out of --train).")
                        .define(MODELS_TOPIC, Type.STRING, Topics.MODELS, Importance.LOW, "The models topic."),
                name());
    }

    @Override
    public int run(Invocation invocation) throws Exception {
        AbstractConfig s = invocation.settings();
        PrintStream out = invocation.out();
        Progress progress = new Progress();
        try (StatusLine status = StatusLine.start(invocation, progress::toString);
                Embedder embedder = embedder(s, invocation.kafkaOverrides(), out)) {
            ExtremaConfig config = embedder.config();
            // Pixels in [0, 1] once: the raw-pixel baseline's features, normalised per batch for the networks.
            EvalTransform pixels = EvalTransform.whole(config.imageSize(), Normalisation.NONE);
            int max = s.getInt(MAX_IMAGES);
            Map<String, Integer> classes = new TreeMap<>();
            Labelled train = read(Path.of(s.getString(TRAIN)), max, pixels, classes, progress);
            Labelled test = read(Path.of(s.getString(TEST)), max, pixels, classes, progress);
            out.printf(
                    Locale.ROOT, "images: %d train, %d test, %d classes%n", train.size(), test.size(), classes.size());
            Scoring scoring = new Scoring(train, test, s.getBoolean(LINEAR), progress, out);
            out.printf(
                    Locale.ROOT,
                    "%-" + LABEL + "s k-NN (k=%d, T=%.2f)%s%n",
                    "",
                    KnnEvaluator.DEFAULT_K,
                    KnnEvaluator.DEFAULT_TEMPERATURE,
                    scoring.linear ? "   linear probe" : "");
            boolean fresh = s.getString(MODEL).equals("fresh");
            scoring.network(fresh ? "fresh network" : "model", embedder);
            // The baselines on the same images: what a model must beat to be worth anything.
            if (!fresh) {
                try (Embedder untrained = freshNetwork(config)) {
                    scoring.network("fresh network (same seed)", untrained);
                }
            }
            scoring.rawPixels();
        }
        return 0;
    }

    /** k-NN and, when asked, linear-probe accuracy of features of the same train and test images, one row each. */
    private static final class Scoring {
        private final Labelled train;
        private final Labelled test;
        private final boolean linear;
        private final Progress progress;
        private final PrintStream out;

        Scoring(Labelled train, Labelled test, boolean linear, Progress progress, PrintStream out) {
            this.train = train;
            this.test = test;
            this.linear = linear;
            this.progress = progress;
            this.out = out;
        }

        /** Frozen target-encoder class tokens of {@code embedder}. */
        void network(String label, Embedder embedder) {
            float[][] trainFeatures = features(label, embedder, train.images());
            float[][] testFeatures = features(label, embedder, test.images());
            progress.begin("k-NN of the " + label, 0);
            ClassificationResult knn =
                    KnnEvaluator.standard().evaluate(trainFeatures, train.labels(), testFeatures, test.labels());
            row(label, knn, trainFeatures, testFeatures);
        }

        /** Pixel vectors, mean-centred with the train images' mean for the k-NN ({@link RawPixelBaseline}). */
        void rawPixels() {
            String label = "raw pixels (" + train.images().get(0).length + " dims)";
            float[][] trainPixels = train.images().toArray(float[][]::new);
            float[][] testPixels = test.images().toArray(float[][]::new);
            progress.begin("k-NN of the " + label, 0);
            ClassificationResult knn = new RawPixelBaseline(KnnEvaluator.standard())
                    .evaluate(trainPixels, train.labels(), testPixels, test.labels());
            // The probe standardises every dimension itself.
            row(label, knn, trainPixels, testPixels);
        }

        private void row(String label, ClassificationResult knn, float[][] trainFeatures, float[][] testFeatures) {
            String probe = "";
            if (linear) {
                progress.begin("linear probe of the " + label, 0);
                LinearProbe.Result result = new LinearProbe(LinearProbe.Settings.defaults())
                        .evaluate(trainFeatures, train.labels(), testFeatures, test.labels());
                probe = String.format(
                        Locale.ROOT,
                        "   %6.2f %% (weight decay %s)",
                        100 * result.test().accuracy(),
                        result.weightDecay());
            }
            out.printf(Locale.ROOT, "%-" + LABEL + "s %6.2f %%%s%n", label, 100 * knn.accuracy(), probe);
        }

        private float[][] features(String label, Embedder embedder, List<float[]> images) {
            progress.begin("features of the " + label, 0);
            int pixels = embedder.config().imageSize() * embedder.config().imageSize();
            float[][] normalised = new float[images.size()][];
            for (int i = 0; i < normalised.length; i++) {
                normalised[i] = images.get(i).clone();
                Normalisation.IMAGENET.apply(normalised[i], pixels);
            }
            return embedder.embedAll(normalised, BATCH, List.of(Embeddings::instance))
                    .get(0);
        }
    }

    /** What eval is doing, for its status line: reading, features, k-NN or linear probe of which row. */
    private static final class Progress {
        private volatile String step = "loading the model";
        private volatile int total;
        private final AtomicInteger done = new AtomicInteger();

        void begin(String what, int total) {
            done.set(0);
            this.total = total;
            step = what;
        }

        void advance(int n) {
            done.addAndGet(n);
        }

        @Override
        public String toString() {
            return step
                    + (total > 0
                            ? ": " + done.get() + "/" + total + " images"
                            : done.get() > 0 ? ": " + done.get() : "");
        }
    }

    /** Pixels in [0, 1] of the model's size with their class indices (classes shared by the two sets, by name). */
    private record Labelled(List<float[]> images, int[] labels) {
        int size() {
            return images.size();
        }
    }

    private static Labelled read(
            Path path, int max, EvalTransform transform, Map<String, Integer> classes, Progress progress)
            throws IOException {
        if (!Files.exists(path)) throw new UsageException(path + " does not exist");
        progress.begin("reading " + path, 0);
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (ImageSource source = ImageSources.open(path)) {
            for (SourceImage image : source) {
                if (max > 0 && images.size() >= max) break;
                if (image.label() == null) continue;
                try {
                    DecodedImage decoded = ImageDecoder.decode(image.bytes(), ImageLimits.defaults());
                    images.add(transform.apply(decoded));
                    labels.add(classes.computeIfAbsent(image.label(), k -> classes.size()));
                    progress.advance(1);
                } catch (ImageRejectedException e) {
                    System.err.println("skipped " + image.key() + ": " + e.getMessage());
                }
            }
        }
        if (images.isEmpty())
            throw new UsageException(path + " holds no labelled image (labels come from sub-folders)");
        return new Labelled(images, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A randomly initialised network of {@code config}: its preset and its seed. */
    private static Embedder freshNetwork(ExtremaConfig config) throws IOException {
        try (ExtremaModel model = ExtremaModel.create(config)) {
            return Embedder.load(config, model.exportTarget());
        }
    }

    private static Embedder embedder(AbstractConfig s, Map<String, Object> kafka, PrintStream out) throws Exception {
        switch (s.getString(MODEL)) {
            case "fresh": {
                out.println("model: freshly initialised " + s.getString(PRESET));
                return freshNetwork(ExtremaConfig.preset(s.getString(PRESET)));
            }
            case "checkpoint": {
                Path file = checkpointFile(s.getString(CHECKPOINT));
                out.println("model: checkpoint " + file);
                try (ExtremaTrainer trainer = Checkpoint.load(file)) {
                    ExtremaModel model = trainer.model();
                    return Embedder.load(model.config(), model.exportTarget());
                }
            }
            default: {
                ModelVersion version = fromTopic(s, kafka);
                out.println("model: " + version.modelName() + " v" + version.version() + " (step " + version.step()
                        + ") from " + s.getString(MODELS_TOPIC));
                return Embedder.load(version.weights());
            }
        }
    }

    private static Path checkpointFile(String given) throws IOException {
        if (given.isBlank()) throw new UsageException("model=checkpoint needs --" + CHECKPOINT);
        Path path = Path.of(given);
        return CheckpointStore.modelFile(path)
                .orElseThrow(() -> new UsageException("no complete checkpoint in " + path));
    }

    /** The models topic's deserializer settings: the registry URL and credentials. */
    public static Map<String, Object> serdeConfig(AbstractConfig settings) {
        return ClientSettings.serdeConfig(settings);
    }

    /** Reads the models topic to its end and returns the requested verified version. */
    private static ModelVersion fromTopic(AbstractConfig s, Map<String, Object> kafka) {
        Map<String, Object> clients = new HashMap<>(kafka);
        clients.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.getString(BOOTSTRAP_SERVERS));
        String topic = s.getString(MODELS_TOPIC);
        long wanted = s.getLong(VERSION);
        return ModelVersionReader.read(clients, serdeConfig(s), topic, s.getString(MODEL_NAME), wanted)
                .orElseThrow(() -> new UsageException(
                        wanted == 0
                                ? "no verified model version on " + topic
                                : "model version " + wanted + " is not on " + topic + " (retired or never published)"));
    }
}
