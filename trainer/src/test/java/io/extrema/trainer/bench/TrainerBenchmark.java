package io.extrema.trainer.bench;

import io.extrema.images.DecodedImage;
import io.extrema.images.ImageDecoder;
import io.extrema.images.ImageLimits;
import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.model.augment.ViewPair;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionAssembler;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import io.extrema.trainer.StreamingTrainer;
import io.extrema.trainer.TrainerMain;
import io.extrema.trainer.config.TrainerConfig;
import io.extrema.trainer.publish.ModelVersionPublisher;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Streaming-trainer figures in one command, each against a baseline measured in the same run (the machine is shared):
 * end-to-end images/s from the topic to the optimiser step vs the model-only step on the same batches; JPEG decode +
 * augment per core; time from publishing a model version to it being verified by a reader of the models topic;
 * resident memory of a trainer process over a long run.
 *
 * <p>A JVM of its own (the local stack launches the broker with this JVM's class path), from the project root:
 * <pre>
 * mvn -q -o -pl trainer test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-Dai.djl.offline=true -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro \
 *     -cp %classpath io.extrema.trainer.bench.TrainerBenchmark --dataset ../../shared/datasets/cifar10/train.tar \
 *     --steps 30 --rss-minutes 15"
 * </pre>
 * (exec:exec runs in {@code trainer/}, hence the dataset path two levels up.)
 */
public final class TrainerBenchmark {

    public static void main(String[] args) throws Exception {
        // Default: the shared dataset beside the project root (the benchmark runs in trainer/).
        Path dataset = Path.of(option(args, "--dataset", "../../shared/datasets/cifar10/train.tar"));
        int steps = Integer.parseInt(option(args, "--steps", "30"));
        int warmup = Integer.parseInt(option(args, "--warmup", "5"));
        int batch = Integer.parseInt(option(args, "--batch", "128"));
        double rssMinutes = Double.parseDouble(option(args, "--rss-minutes", "0"));
        ExtremaConfig model = ExtremaConfig.cifarTiny().withBatchSize(batch);
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--set")) { // a model field, e.g. --set dim=32 (apply heads before dim)
                String[] kv = args[i + 1].split("=", 2);
                model = model.with(kv[0], kv[1]);
            }
        }
        boolean rssOnly = option(args, "--only", "all").equals("rss");
        int images = (warmup + steps + 2) * batch;
        System.out.printf(
                Locale.ROOT,
                "date %s, %d cores, load %s, java %s%n",
                Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).trim(),
                System.getProperty("java.version"));

        List<SourceImage> jpegs = read(dataset, images);
        if (!rssOnly) {
            decodeAugmentPerCore(jpegs, model.imageSize());
        }

        Path state = Path.of("target", "bench-stack").toAbsolutePath();
        try (LocalStack stack = LocalStack.start(StackSettings.defaults(state).withFreePorts())) {
            StackEndpoints endpoints = stack.endpoints();
            if (rssOnly) {
                rss(endpoints, jpegs, model, rssMinutes, state.resolve("ckpt-rss"));
                return;
            }
            // Interleaved, model-only / end-to-end / model-only / ...: each end-to-end run is compared with the
            // mean of the model-only runs either side of it, so load changes on a shared machine cancel out.
            int rounds = Integer.parseInt(option(args, "--rounds", "2"));
            double before = modelOnly(jpegs, model, warmup, steps);
            for (int r = 0; r < rounds; r++) {
                double e2e = endToEnd(endpoints, jpegs, model, warmup, steps, state.resolve("ckpt-e2e-" + r));
                double after = modelOnly(jpegs, model, warmup, steps);
                double baseline = (before + after) / 2;
                System.out.printf(
                        Locale.ROOT,
                        "round %d: model-only %.1f / %.1f images/s (before / after), end to "
                                + "end %.1f images/s: overhead %.1f%% vs their mean; load %s%n",
                        r + 1,
                        before,
                        after,
                        e2e,
                        100 * (1 - e2e / baseline),
                        Files.readString(Path.of("/proc/loadavg")).trim());
                before = after;
            }
            versionLatency(endpoints, model);
            if (rssMinutes > 0) {
                rss(endpoints, jpegs, model, rssMinutes, state.resolve("ckpt-rss"));
            }
        }
    }

    private static List<SourceImage> read(Path dataset, int count) throws Exception {
        List<SourceImage> out = new ArrayList<>();
        try (ImageSource source = ImageSources.open(dataset)) {
            for (SourceImage img : source) {
                out.add(img);
                if (out.size() == count) {
                    break;
                }
            }
        }
        System.out.printf(Locale.ROOT, "read %d images from %s%n", out.size(), dataset);
        return out;
    }

    /** One thread: decode the JPEG, then make the two augmented views, as the intake and batch feed do. */
    private static void decodeAugmentPerCore(List<SourceImage> jpegs, int size) throws Exception {
        ViewAugmentation aug = new ViewAugmentation(AugmentationConfig.paper(size));
        SplittableRandom rng = new SplittableRandom(1);
        ImageLimits limits = ImageLimits.defaults();
        int n = Math.min(jpegs.size(), 3000);
        for (int i = 0; i < 500; i++) { // JIT warm-up
            aug.augment(ImageDecoder.decode(jpegs.get(i % n).bytes(), limits), rng);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ImageDecoder.decode(jpegs.get(i).bytes(), limits);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            aug.augment(ImageDecoder.decode(jpegs.get(i).bytes(), limits), rng);
        }
        long t2 = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "one core: decode %.0f images/s; decode + two-view augment %.0f images/s (%d images)%n",
                n / ((t1 - t0) / 1e9),
                n / ((t2 - t1) / 1e9),
                n);
    }

    /** The model's step alone on batches augmented beforehand: the ceiling the streaming trainer is held to. */
    private static double modelOnly(List<SourceImage> jpegs, ExtremaConfig config, int warmup, int steps)
            throws Exception {
        int b = config.batchSize();
        int chw = 3 * config.imageSize() * config.imageSize();
        ViewAugmentation aug = new ViewAugmentation(AugmentationConfig.of(config));
        SplittableRandom rng = new SplittableRandom(2);
        float[] online = new float[b * chw];
        float[] target = new float[b * chw];
        for (int i = 0; i < b; i++) {
            ViewPair p = aug.augment(ImageDecoder.decode(jpegs.get(i).bytes(), ImageLimits.defaults()), rng);
            System.arraycopy(p.online(), 0, online, i * chw, chw);
            System.arraycopy(p.target(), 0, target, i * chw, chw);
        }
        try (ExtremaTrainer trainer = new ExtremaTrainer(ExtremaModel.create(config))) {
            for (int i = 0; i < warmup; i++) {
                trainer.step(online, target, b);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                trainer.step(online, target, b);
            }
            return (double) steps * b / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The streaming trainer, fresh-only (every image decoded once), from a topic filled beforehand. */
    private static double endToEnd(
            StackEndpoints stack,
            List<SourceImage> jpegs,
            ExtremaConfig config,
            int warmup,
            int steps,
            Path checkpoints)
            throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        Map<String, String> s = settings(stack, config, suffix, checkpoints);
        produce(stack, s.get("topic.images"), jpegs);
        s.put("replay.policy", "fresh");
        s.put("max.steps", String.valueOf(warmup + steps));
        s.put("metrics.interval.steps", "1");
        new StreamingTrainer(new TrainerConfig(s)).run();
        Map<Long, Instant> at = new TreeMap<>();
        for (ConsumerRecord<String, TrainingMetrics> r :
                readAll(stack, s.get("topic.metrics"), TrainingMetrics.class)) {
            at.put(r.value().getStep(), r.value().getTime());
        }
        double seconds = Duration.between(at.get((long) warmup), at.get((long) (warmup + steps)))
                        .toNanos()
                / 1e9;
        return (double) steps * config.batchSize() / seconds;
    }

    /** Publish-to-verified latency of a cifarTiny version, seen by a reader already at the end of the models topic. */
    private static void versionLatency(StackEndpoints stack, ExtremaConfig config) throws Exception {
        String topic = "bench-models-" + Long.toString(System.nanoTime(), 36);
        LocalStack.createTopics(
                stack.bootstrapServers(),
                List.of(new TopicSpec(
                        topic,
                        1,
                        Map.of("cleanup.policy", "compact", "max.message.bytes", String.valueOf(2 * 1024 * 1024)))));
        Map<String, Object> kafka = Map.of("bootstrap.servers", stack.bootstrapServers());
        Map<String, Object> serde = Map.of("schema.registry.url", stack.registryUrl());
        byte[] weights;
        try (ExtremaModel m = ExtremaModel.create(config)) {
            weights = m.exportTarget();
        }
        List<Double> publishMs = new ArrayList<>();
        List<Double> visibleMs = new ArrayList<>();
        SpecificAvroDeserializer<ModelPart> parts = new SpecificAvroDeserializer<>(ModelPart.class);
        parts.configure(serde, false);
        try (ModelVersionPublisher publisher =
                        new ModelVersionPublisher(kafka, serde, topic, "bench", 768 * 1024, 2, new TreeMap<>(), 0);
                KafkaConsumer<String, ModelPart> reader = new KafkaConsumer<>(
                        Map.of("bootstrap.servers", stack.bootstrapServers()), new StringDeserializer(), parts)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            reader.assign(List.of(tp));
            reader.seekToEnd(List.of(tp));
            reader.position(tp);
            ModelVersionAssembler assembler = new ModelVersionAssembler();
            for (int i = 0; i < 6; i++) {
                long v = publisher.nextVersion();
                long t0 = System.nanoTime();
                publisher.publish(new ModelVersion(
                        "bench",
                        v,
                        v,
                        StreamingTrainer.WEIGHTS_FORMAT,
                        config.toMap(),
                        Map.of(),
                        weights,
                        System.currentTimeMillis()));
                long t1 = System.nanoTime();
                boolean verified = false;
                while (!verified) {
                    for (ConsumerRecord<String, ModelPart> r : reader.poll(Duration.ofMillis(5))) {
                        verified |= assembler
                                .accept(r.value())
                                .filter(o -> o instanceof ModelVersionAssembler.Verified
                                        && ((ModelVersionAssembler.Verified) o)
                                                        .version()
                                                        .version()
                                                == v)
                                .isPresent();
                    }
                }
                long t2 = System.nanoTime();
                if (i > 0) { // the first includes schema registration and connection set-up
                    publishMs.add((t1 - t0) / 1e6);
                    visibleMs.add((t2 - t0) / 1e6);
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "model version of %.1f MB (%d chunks): publish() returns after median %.0f ms; "
                        + "verified by a reader after median %.0f ms (max %.0f) over %d versions%n",
                weights.length / 1e6,
                (weights.length + 768 * 1024 - 1) / (768 * 1024),
                median(publishMs),
                median(visibleMs),
                visibleMs.stream().mapToDouble(d -> d).max().orElse(0),
                visibleMs.size());
    }

    /** A trainer process training on its replay buffer for a while; its VmRSS sampled from /proc. */
    private static void rss(
            StackEndpoints stack, List<SourceImage> jpegs, ExtremaConfig config, double minutes, Path checkpoints)
            throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        Map<String, String> s = settings(stack, config, suffix, checkpoints);
        produce(stack, s.get("topic.images"), jpegs);
        s.put("replay.factor", "1000000"); // keep training on the buffer: a long run without a long stream
        s.put("checkpoint.interval.steps", "200");
        s.put("version.interval.steps", "200");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.extrema.schemas.avro",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                TrainerMain.class.getName()));
        for (String prop : List.of("ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads")) {
            if (System.getProperty(prop) != null) {
                cmd.add(cmd.size() - 1, "-D" + prop + "=" + System.getProperty(prop)); // same libtorch threads as here
            }
        }
        s.forEach((k, v) -> cmd.add(k + "=" + v));
        Path log = checkpoints.resolveSibling("rss-trainer.log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long end = System.nanoTime() + (long) (minutes * 60e9);
        long start = System.nanoTime();
        System.out.println("RSS of the trainer process (minutes, MB, step):");
        try {
            while (System.nanoTime() < end && p.isAlive()) {
                Thread.sleep(30_000);
                double rss = Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status")).stream()
                        .filter(l -> l.startsWith("VmRSS"))
                        .mapToDouble(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024.0)
                        .findFirst()
                        .orElse(Double.NaN);
                List<ConsumerRecord<String, TrainingMetrics>> m =
                        readAll(stack, s.get("topic.metrics"), TrainingMetrics.class);
                long step = m.isEmpty() ? 0 : m.get(m.size() - 1).value().getStep();
                System.out.printf(Locale.ROOT, "  %.1f  %.0f  %d%n", (System.nanoTime() - start) / 60e9, rss, step);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static Map<String, String> settings(StackEndpoints stack, ExtremaConfig config, String suffix, Path ckpt) {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", stack.bootstrapServers());
        s.put("schema.registry.url", stack.registryUrl());
        s.put("group.id", "bench-" + suffix);
        s.put("topic.images", "bench-images-" + suffix);
        s.put("topic.models", "bench-models-" + suffix);
        s.put("topic.metrics", "bench-metrics-" + suffix);
        s.put("topic.dlq", "bench-dlq-" + suffix);
        s.put("model.name", "bench");
        config.toMap().forEach((field, value) -> s.put("model." + field, value));
        // a fresh checkpoint lineage per run: an earlier run's checkpoint (maybe of another preset) is not resumed
        s.put(
                "checkpoint.dir",
                ckpt.resolveSibling(ckpt.getFileName() + "-" + suffix).toString());
        s.put("checkpoint.interval.steps", "100000");
        s.put("version.interval.steps", "100000");
        s.put("version.interval.minutes", "0");
        s.put("prometheus.port", "-1");
        s.put("decode.threads", "1");
        LocalStack.createTopics(
                stack.bootstrapServers(),
                List.of(
                        new TopicSpec(s.get("topic.images"), 4, Map.of()),
                        new TopicSpec(
                                s.get("topic.models"),
                                1,
                                Map.of(
                                        "cleanup.policy",
                                        "compact",
                                        "max.message.bytes",
                                        String.valueOf(2 * 1024 * 1024))),
                        new TopicSpec(s.get("topic.metrics"), 1, Map.of()),
                        new TopicSpec(s.get("topic.dlq"), 1, Map.of())));
        return s;
    }

    private static void produce(StackEndpoints stack, String topic, List<SourceImage> jpegs) throws Exception {
        SpecificAvroSerializer<ImageRecord> values = new SpecificAvroSerializer<>();
        values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
        try (KafkaProducer<String, ImageRecord> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", stack.bootstrapServers(), "linger.ms", 20),
                new StringSerializer(),
                values)) {
            for (SourceImage img : jpegs) {
                DecodedImage d = ImageDecoder.decode(img.bytes(), ImageLimits.defaults());
                p.send(new ProducerRecord<>(
                        topic,
                        img.key(),
                        ImageRecord.newBuilder()
                                .setId(img.key())
                                .setSource("bench")
                                .setEventTime(Instant.now())
                                .setEncoding(ImageEncoding.JPEG)
                                .setWidth(d.width())
                                .setHeight(d.height())
                                .setChannels(3)
                                .setData(ByteBuffer.wrap(img.bytes()))
                                .setLabel(img.label())
                                .build()));
            }
            p.flush();
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> List<ConsumerRecord<String, T>> readAll(
            StackEndpoints stack, String topic, Class<T> type) {
        SpecificAvroDeserializer<T> values = new SpecificAvroDeserializer<>(type);
        values.configure(Map.of("schema.registry.url", stack.registryUrl()), false);
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(
                Map.of("bootstrap.servers", stack.bootstrapServers()), new StringDeserializer(), values)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<String, T>> out = new ArrayList<>();
            while (c.position(tp) < end) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(d -> d).toArray();
        Arrays.sort(a);
        return a.length == 0 ? Double.NaN : a[a.length / 2];
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private TrainerBenchmark() {}
}
