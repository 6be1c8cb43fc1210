package io.extrema.serving.bench;

import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.bench.LabelledImages;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionCodec;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.serving.app.ServiceJvm;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.embed.ImagePreparation;
import io.extrema.serving.live.ServingModel;
import io.extrema.stack.LocalStack;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.StackSettings;
import io.extrema.stack.TopicSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Serving figures, in one run on one machine:
 * <ol>
 *   <li>before the topology is measured, unless {@code --warmup-seconds 0}, a warm-up of it: the same images under
 *   other ids, drained, then paced at half that rate for {@code --warmup-seconds} (120), not measured, so that every
 *   JVM has compiled its hot paths;</li>
 *   <li>the same model's in-process batch inference on the same images (decode + eval transform + embed, and
 *   embed alone, one pass each after a short warm-up), in this JVM, before and after the topology run;</li>
 *   <li>embeddings/s through the running topology (one or more service JVMs, exactly-once, sharing the images
 *   topic's partitions as one consumer group) with the images already on the topic, so it runs as fast as it can,
 *   timed from the first embedding after every instance owns partitions;</li>
 *   <li>end-to-end latency, producer timestamp to the embedding read by a read_committed consumer (the embedding
 *   keeps its image's timestamp), at half the measured maximum rate;</li>
 *   <li>the cores each process used during the drain, and each service JVM's resident memory (VmRSS and its peak
 *   VmHWM).</li>
 * </ol>
 * The broker and registry are the local stack's real processes on this machine, sharing its cores.
 *
 * <pre>mvn -o -q -pl serving test-compile exec:exec@serving-bench [-Dbench.args="--images 4000 --out FILE"]
 * mvn -o -q -pl serving test-compile exec:exec@serving-bench -Dbench.args="--images 4000 --instances 2"</pre>
 *
 * {@code --instances N} (default 1) starts N service JVMs, each with its own state dir and log (the metrics port is
 * a free one each) and, unless {@code --service} and {@code --service-jvm} set them, {@code inference.threads=max(1,
 * cores / N)} and {@code -Dai.djl.pytorch.num_threads=1} so the instances do not oversubscribe the cores; {@code
 * --latency-rate R} paces the latency phase at R images/s instead of half the drain's rate (to compare two settings
 * at the same load); {@code --partitions P} (default 4, at least N) sizes the images
 * and embeddings topics. With {@code --out FILE}, each instance's whole {@code /metrics} page at the end of the drain
 * goes to {@code FILE.<instance>.prom} beside the report, and each paced image's produce, embed and read times to
 * {@code FILE.latency.csv}.
 */
public final class ServingBenchmark {

    public static void main(String[] args) throws Exception {
        Path dataset = Path.of(arg(args, "--dataset", "../shared/datasets/cifar10/test.tar"));
        int n = Integer.parseInt(arg(args, "--images", "1000"));
        int batch = Integer.parseInt(arg(args, "--batch", "32"));
        double latencySeconds = Double.parseDouble(arg(args, "--latency-seconds", "20"));
        // The paced phase's rate; 0: half the drain's. A fixed rate compares two settings at the same load.
        double latencyRate = Double.parseDouble(arg(args, "--latency-rate", "0"));
        // Seconds of paced warm-up after a warm-up drain of the same images; 0: measure cold JVMs.
        double warmupSeconds = Double.parseDouble(arg(args, "--warmup-seconds", "120"));
        String preset = arg(args, "--preset", "cifar-tiny");
        String out = arg(args, "--out", null);
        int instances = Integer.parseInt(arg(args, "--instances", "1"));
        int partitions = Integer.parseInt(arg(args, "--partitions", "4"));
        if (instances < 1 || partitions < instances) {
            throw new IllegalArgumentException("need 1 <= --instances <= --partitions: an instance without a partition"
                    + " would idle; got " + instances + " instances, " + partitions + " partitions");
        }
        // Extra JVM options (e.g. a flight recording) and service settings (key=value), space-separated, for
        // profiling and for trying a setting without a rebuild.
        List<String> serviceJvm = new ArrayList<>(words(arg(args, "--service-jvm", "")));
        List<String> serviceSettings = new ArrayList<>(words(arg(args, "--service", "")));
        if (instances > 1) {
            // Each JVM would run one single-threaded engine per core (ComputeDevice); share the cores instead.
            if (setting(serviceSettings, INFERENCE_THREADS) == null) {
                int each = Math.max(1, Runtime.getRuntime().availableProcessors() / instances);
                serviceSettings.add(0, INFERENCE_THREADS + "=" + each);
            }
            if (intraOpThreads(serviceJvm) == null) {
                serviceJvm.add(0, "-D" + INTRA_OP_THREADS + "=1");
            }
        }

        Path base = Path.of(System.getProperty("extrema.stack.dir", "target/extrema-stack"))
                .toAbsolutePath();
        Path stateDir = base.resolve("bench-" + ProcessHandle.current().pid());
        List<String> labels = new ArrayList<>();
        List<byte[]> jpegs = load(dataset, n, labels);
        try (LocalStack stack = LocalStack.start(StackSettings.defaults(stateDir)
                .withRegistryHome(base.resolve("registry"))
                .withFreePorts())) {
            String report = new ServingBenchmark(
                            stack.endpoints(),
                            stack.pids(),
                            jpegs,
                            labels,
                            batch,
                            preset,
                            stateDir,
                            instances,
                            partitions,
                            serviceJvm,
                            serviceSettings)
                    .run(latencySeconds, latencyRate, warmupSeconds, String.join(" ", args), out);
            System.out.println(report);
            if (out != null) {
                Files.writeString(Path.of(out), report);
            }
        } finally {
            LocalStack.deleteState(stateDir);
        }
    }

    /** libtorch's intra-op pool size, read by DJL when the engine loads. */
    private static final String INTRA_OP_THREADS = "ai.djl.pytorch.num_threads";

    private static final String STREAM_THREADS = ServingConfig.STREAM_THREADS;
    private static final double PACED_START_SECONDS = 5;
    private static final String INFERENCE_THREADS = ServingConfig.INFERENCE_THREADS;

    /** Shared by every instance, so they form one consumer group. */
    private static final String APPLICATION_ID = "serving-bench";

    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);

    /** One service JVM of the run: its name in the report, its process, its log (which names its metrics port). */
    private record Instance(String name, Process process, Path log) {}

    private final StackEndpoints stack;
    private final List<Long> stackPids;
    private final List<byte[]> jpegs;
    private final List<String> labels;
    private final int batch;
    private final String preset;
    private final Path stateDir;
    private final int instances;
    private final int partitions;
    private final Map<String, String> serde;
    private final List<String> serviceJvm;
    private final List<String> serviceSettings;

    private ServingBenchmark(
            StackEndpoints stack,
            List<Long> stackPids,
            List<byte[]> jpegs,
            List<String> labels,
            int batch,
            String preset,
            Path stateDir,
            int instances,
            int partitions,
            List<String> serviceJvm,
            List<String> serviceSettings) {
        this.stackPids = stackPids;
        this.serviceJvm = serviceJvm;
        this.serviceSettings = serviceSettings;
        this.stack = stack;
        this.jpegs = jpegs;
        this.labels = labels;
        this.batch = batch;
        this.preset = preset;
        this.stateDir = stateDir;
        this.instances = instances;
        this.partitions = partitions;
        this.serde = Map.of("schema.registry.url", stack.registryUrl());
    }

    private String run(double latencySeconds, double latencyRate, double warmupSeconds, String argLine, String out)
            throws Exception {
        int n = jpegs.size();
        List<ImageRecord> records = images("img-", n);
        LocalStack.createTopics(
                stack.bootstrapServers(),
                List.of(
                        new TopicSpec("images", partitions, Map.of()),
                        new TopicSpec("embeddings", partitions, Map.of()),
                        new TopicSpec("dlq", 1, Map.of()),
                        new TopicSpec("models", 1, Map.of("cleanup.policy", "compact"))));
        ExtremaConfig config = ExtremaConfig.preset(preset);
        ModelVersion version;
        try (ExtremaModel model = ExtremaModel.create(config)) {
            version = new ModelVersion(
                    "bench",
                    1,
                    0,
                    "extrema-target-weights",
                    config.toMap(),
                    Map.of(),
                    model.exportTarget(),
                    System.currentTimeMillis());
        }
        publishModel(version);

        ImagePreparation preparation = new ServingConfig(Map.of()).imagePreparation();
        List<String> load = new ArrayList<>();
        load.add("before in-process " + loadAverage());
        double[] before = inProcess(version, records, preparation);

        List<Instance> services = new ArrayList<>();
        double topologyRate;
        Map<String, Double> cores;
        Map<String, Double> pacedStartCores = new LinkedHashMap<>();
        Map<String, Double> pacedRestCores = new LinkedHashMap<>();
        Map<String, Double> pacedRestCompilerCores = new LinkedHashMap<>();
        List<Long> latencies;
        List<Long> toEmbedded = new ArrayList<>();
        List<Long> settled = new ArrayList<>(); // produced after the paced phase's first seconds
        Map<String, String> status = new LinkedHashMap<>();
        Map<String, String> serviceMetrics = new LinkedHashMap<>();
        Map<String, String> drainStartMetrics = new LinkedHashMap<>();
        List<String> latencyRows = new ArrayList<>(List.of("image,partition,produced_ms,embedded_ms,read_ms"));
        double drainSeconds;
        double pacedRate;
        String warmup = "none (`--warmup-seconds 0`): cold JVMs";
        try (KafkaConsumer<String, EmbeddingRecord> consumer = committedReader()) {
            for (int i = 1; i <= instances; i++) {
                services.add(startService(i));
            }
            awaitPartitionsOwned(services);
            if (warmupSeconds > 0) {
                // The same work under other ids first, so that the broker, the service and this JVM have compiled
                // their hot paths: a cold run spent a third of the 2 cores in the JIT compilers during the paced
                // phase, and they settled only after about 100 s of paced load. A service runs for days; its first
                // minutes are not what it delivers.
                produce(images("warm-", n), 0);
                double warmRate = drainRate(consumer, n, () -> {});
                int warmCount = (int) (warmRate / 2 * warmupSeconds);
                List<ImageRecord> warmPaced = images("warm-lat-", warmCount);
                Thread producer = new Thread(() -> produce(warmPaced, warmRate / 2), "warm-up-producer");
                producer.start();
                latencies(consumer, "warm-lat-", warmCount, new ArrayList<>(), 0, new ArrayList<>(), new ArrayList<>());
                producer.join();
                warmup = String.format(
                        "%d images drained at %.0f/s, then %.0f s paced at %.0f/s (other ids, not measured)",
                        n, warmRate, warmupSeconds, warmRate / 2);
            }
            // The whole set on the topic at once: the topology then runs at its maximum rate.
            produce(records, 0);
            load.add("topology " + loadAverage());
            Map<String, Long> pids = new LinkedHashMap<>();
            for (Instance s : services) {
                pids.put(s.name(), s.process().pid());
            }
            for (long pid : stackPids) {
                String command = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
                pids.put(command.contains("kafka.Kafka") ? "broker" : "registry", pid);
            }
            pids.put("benchmark JVM (reader)", ProcessHandle.current().pid());
            ProcessCpu cpu = new ProcessCpu(pids);
            long[] drainNanos = new long[2];
            topologyRate = drainRate(consumer, n, () -> {
                cpu.start();
                drainNanos[0] = System.nanoTime();
                for (Instance s : services) {
                    drainStartMetrics.put(s.name(), scrapeOrThrow(s.log()));
                }
            });
            drainNanos[1] = System.nanoTime();
            drainSeconds = (drainNanos[1] - drainNanos[0]) / 1e9;
            cores = cpu.coresSinceStart();
            for (Instance s : services) {
                serviceMetrics.put(s.name(), scrape(s.log()));
            }
            if (out != null) {
                // Every metric of each instance at the end of the drain, for the breakdown the report leaves out.
                for (Map.Entry<String, String> page : serviceMetrics.entrySet()) {
                    Files.writeString(Path.of(out + "." + page.getKey() + ".prom"), page.getValue());
                }
            }
            pacedRate = latencyRate > 0 ? latencyRate : topologyRate / 2;
            int count = (int) (pacedRate * latencySeconds);
            List<ImageRecord> paced = images("lat-", count);
            // The cores each process uses in the paced phase's first seconds, right after the drain, and after them.
            ProcessCpu pacedCpu = new ProcessCpu(pids);
            int startCount = Math.min(count, (int) (PACED_START_SECONDS * pacedRate));
            // One producer for the whole phase (a second one at 5 s made a gap and a burst there).
            KafkaProducer<String, ImageRecord> pacedProducer = imageProducer(pacedRate, paced.get(0));
            Thread producer = new Thread(
                    () -> {
                        try (pacedProducer) {
                            pacedCpu.start();
                            send(pacedProducer, paced.subList(0, startCount), pacedRate);
                            pacedStartCores.putAll(pacedCpu.coresSinceStart());
                            pacedCpu.start();
                            send(pacedProducer, paced.subList(startCount, count), pacedRate);
                        }
                    },
                    "paced-producer");
            long settledFromMs = System.currentTimeMillis() + (long) (PACED_START_SECONDS * 1000);
            producer.start();
            latencies = latencies(consumer, "lat-", count, toEmbedded, settledFromMs, settled, latencyRows);
            producer.join();
            pacedRestCores.putAll(pacedCpu.coresSinceStart());
            pacedRestCompilerCores.putAll(pacedCpu.compilerCoresSinceStart());
            if (out != null) {
                Files.write(Path.of(out + ".latency.csv"), latencyRows);
            }
            for (Instance s : services) {
                status.put(
                        s.name(),
                        Files.readString(Path.of("/proc/" + s.process().pid() + "/status")));
            }
        } finally {
            stop(services); // their state dirs are under stateDir, deleted with the stack's
        }
        load.add("after in-process " + loadAverage());
        double[] after = inProcess(version, records, preparation);

        double bestPipeline = Math.max(before[0], after[0]);
        double bestInference = Math.max(before[1], after[1]);
        latencies.sort(null);
        toEmbedded.sort(null);
        settled.sort(null);
        StringBuilder r = new StringBuilder();
        r.append("# Serving benchmark\n\n");
        r.append("- date: ").append(Instant.now()).append('\n');
        r.append("- machine: ").append(machine()).append('\n');
        r.append("- command: `mvn -o -q -pl serving test-compile exec:exec@serving-bench -Dbench.args=\"")
                .append(argLine)
                .append("\"`\n");
        r.append("- model: ")
                .append(preset)
                .append(" (")
                .append(config.imageSize())
                .append("px, patch ")
                .append(config.patchSize())
                .append(", dim ")
                .append(config.dim())
                .append(", depth ")
                .append(config.depth())
                .append("), freshly initialised weights published as a model version\n");
        r.append("- warm-up: ").append(warmup).append('\n');
        r.append("- images: ")
                .append(n)
                .append(" JPEGs from the dataset; batch ")
                .append(batch)
                .append(", linger ")
                .append(Objects.requireNonNullElse(setting(serviceSettings, ServingConfig.BATCH_LINGER_MS), "20"))
                .append(" ms, ")
                .append(partitions)
                .append(" partitions, ")
                .append(instances == 1 ? "one service JVM" : instances + " service JVMs in one consumer group")
                .append(" (")
                .append(STREAM_THREADS)
                .append(" ")
                .append(Objects.requireNonNullElse(setting(serviceSettings, STREAM_THREADS), "default"))
                .append(", ")
                .append(INFERENCE_THREADS)
                .append(" ")
                .append(Objects.requireNonNullElse(setting(serviceSettings, INFERENCE_THREADS), "default"))
                .append(", libtorch intra-op threads ")
                .append(Objects.requireNonNullElse(intraOpThreads(serviceJvm), "default"))
                .append(instances == 1 ? ")" : " each)")
                .append(", exactly_once_v2\n\n");
        r.append("| figure | value |\n|---|---|\n");
        r.append(String.format(
                "| in-process decode + transform + embed, images/s (before / after) | %.0f / %.0f |%n",
                before[0], after[0]));
        r.append(String.format(
                "| in-process embed only (pre-decoded), images/s (before / after) | %.0f / %.0f |%n",
                before[1], after[1]));
        r.append(String.format("| **topology, embeddings/s (read_committed consumer)** | **%.0f** |%n", topologyRate));
        r.append(String.format(
                "| topology / in-process decode+embed (best of the two) | **%.0f %%** |%n",
                100 * topologyRate / bestPipeline));
        r.append(String.format(
                "| topology / in-process embed only (best of the two) | %.0f %% |%n",
                100 * topologyRate / bestInference));
        r.append(String.format(
                "| latency produce → embedding at %.0f images/s (%s), %d images: p50 | %d ms |%n",
                pacedRate,
                latencyRate > 0 ? "--latency-rate" : "half max",
                latencies.size(),
                percentile(latencies, 50)));
        r.append(String.format("| same, p99 | %d ms |%n", percentile(latencies, 99)));
        // The first seconds follow the drain (a backlog just emptied, its commits and compiled code still those
        // of a full-speed run); the rest is the steady state at this rate.
        r.append(String.format(
                "| same, images produced %.0f s or more into the phase (%d): p50 / p99 | %d / %d ms |%n",
                PACED_START_SECONDS, settled.size(), percentile(settled, 50), percentile(settled, 99)));
        r.append(String.format(
                "| of which produce → embedded (the embedding's processing time), p50 / p99 | %d / %d ms |%n",
                percentile(toEmbedded, 50), percentile(toEmbedded, 99)));
        r.append(String.format("| same, max | %d ms |%n", latencies.get(latencies.size() - 1)));
        r.append(String.format(
                "| cores used in the paced phase's first %.0f s / after (%s) | %s / %s |%n",
                PACED_START_SECONDS,
                String.join(", ", pacedStartCores.keySet()),
                cores(pacedStartCores),
                cores(pacedRestCores)));
        r.append(String.format(
                "| of which their JIT compiler threads, after %.0f s | %s |%n",
                PACED_START_SECONDS, cores(pacedRestCompilerCores)));
        status.forEach((name, procStatus) -> r.append(String.format(
                "| %s JVM RSS after the run (VmRSS / peak VmHWM) | %d MiB / %d MiB |%n",
                name, kb(procStatus, "VmRSS:") / 1024, kb(procStatus, "VmHWM:") / 1024)));
        serviceMetrics.forEach((name, page) -> {
            double batchAvg = metric(page, "extrema_serving_batch_size_avg");
            double latencyAvg = metric(page, "extrema_serving_inference_latency_avg_ms");
            r.append(String.format(
                    "| inside %s during the run: batch size avg, inference ms/batch avg → images/s"
                            + " of inference alone | %.1f, %.1f ms → %.0f |%n",
                    instances == 1 ? "the service" : name, batchAvg, latencyAvg, 1000 * batchAvg / latencyAvg));
        });
        serviceMetrics.forEach((name, page) -> {
            // Over the drain: the inference threads' busy time (the service's inference time, in cores' worth) and
            // the share of the stream threads' time blocked in Kafka clients (poll, produce, commit waits).
            String start = drainStartMetrics.get(name);
            double threadSeconds = drainSeconds
                    * seriesOf(page, "stream_thread_metrics_thread_start_time").getCount();
            double blocked = (seriesOf(page, "stream_thread_metrics_blocked_time_ns_total")
                                    .getSum()
                            - seriesOf(start, "stream_thread_metrics_blocked_time_ns_total")
                                    .getSum())
                    / 1e9;
            double inference = (metric(page, "extrema_serving_inference_time_ms_total")
                            - metric(start, "extrema_serving_inference_time_ms_total"))
                    / 1e3;
            r.append(String.format(
                    "| %s over the drain: inference busy (cores' worth); stream threads blocked on Kafka clients"
                            + " | %.2f; %.0f %% of %.1f thread-s |%n",
                    instances == 1 ? "the service" : name,
                    inference / drainSeconds,
                    100 * blocked / threadSeconds,
                    threadSeconds));
        });
        r.append(String.format(
                "| embeddings, batches made by the end of the drain (each instance's /metrics): %s | %s |%n",
                String.join(", ", serviceMetrics.keySet()),
                serviceMetrics.values().stream()
                        .map(page -> String.format(
                                "%.0f, %.0f",
                                metric(page, "extrema_serving_embeddings_total"),
                                metric(page, "extrema_serving_batches_total")))
                        .collect(Collectors.joining("; "))));
        double serviceCores =
                serviceMetrics.keySet().stream().mapToDouble(cores::get).sum();
        double others = cores.values().stream().mapToDouble(Double::doubleValue).sum() - serviceCores;
        r.append(String.format(
                "| cores used during the topology run: %s | %s |%n", String.join(", ", cores.keySet()), cores(cores)));
        if (instances > 1) {
            r.append(String.format("| cores used by the %d service JVMs together | %.2f |%n", instances, serviceCores));
        }
        double inProcessCpuMs = Math.min(before[2], after[2]);
        double serviceCpuMs = 1000 * serviceCores / topologyRate;
        r.append(String.format(
                "| CPU per image: in-process decode+embed (best) / %s | %.2f / %.2f ms → efficiency %.0f %% |%n",
                instances == 1 ? "service" : "services together",
                inProcessCpuMs,
                serviceCpuMs,
                100 * inProcessCpuMs / serviceCpuMs));
        int machineCores = Runtime.getRuntime().availableProcessors();
        r.append(String.format(
                "| ceiling: the cores the others left (%.2f of %d) at in-process CPU per image, / in-process |"
                        + " %.0f %% |%n",
                machineCores - others,
                machineCores,
                100 * ((machineCores - others) * 1000 / inProcessCpuMs) / bestPipeline));
        r.append("\nLoad average (1, 5, 15 min) at each phase: ")
                .append(String.join("; ", load))
                .append('\n');
        return r.toString();
    }

    /**
     * {decode + transform + embed images/s, embed-only images/s, CPU ms per image of the first}, one pass each after
     * a short warm-up.
     */
    private double[] inProcess(ModelVersion version, List<ImageRecord> records, ImagePreparation preparation)
            throws Exception {
        ServingModel model = ServingModel.load(version);
        int side = model.config().imageSize();
        int plane = 3 * side * side;
        float[][] prepared = new float[records.size()][];
        embedAll(model, records.subList(0, Math.min(256, records.size())), preparation, prepared, plane, true);
        long self = ProcessHandle.current().pid();
        double cpu0 = ProcessCpu.seconds(self);
        long t0 = System.nanoTime();
        embedAll(model, records, preparation, prepared, plane, true);
        double pipeline = records.size() / ((System.nanoTime() - t0) / 1e9);
        double cpuMsPerImage = 1000 * (ProcessCpu.seconds(self) - cpu0) / records.size();
        long t1 = System.nanoTime();
        embedAll(model, records, preparation, prepared, plane, false);
        double inference = records.size() / ((System.nanoTime() - t1) / 1e9);
        model.retire();
        return new double[] {pipeline, inference, cpuMsPerImage};
    }

    /** Embeds the records in batches; decodes and transforms them first when {@code decode}, else reuses. */
    private void embedAll(
            ServingModel model,
            List<ImageRecord> records,
            ImagePreparation preparation,
            float[][] prepared,
            int plane,
            boolean decode) {
        int side = model.config().imageSize();
        for (int from = 0; from < records.size(); from += batch) {
            int b = Math.min(batch, records.size() - from);
            float[] chw = new float[b * plane]; // [B, 3, S, S]
            for (int i = 0; i < b; i++) {
                if (decode) {
                    prepared[from + i] = preparation.prepare(records.get(from + i), side);
                }
                System.arraycopy(prepared[from + i], 0, chw, i * plane, plane);
            }
            model.embed(chw, b);
        }
    }

    /**
     * Embeddings/s between the first embedding read after those already committed (by instances that had
     * partitions before the others) and the last of {@code n}.
     */
    private static double drainRate(KafkaConsumer<String, EmbeddingRecord> consumer, int n, Runnable atFirstRead) {
        Set<String> seen = new HashSet<>();
        Map<TopicPartition, Long> committed = consumer.endOffsets(consumer.assignment()); // read_committed: the LSO
        while (committed.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            for (ConsumerRecord<String, EmbeddingRecord> r : consumer.poll(Duration.ofMillis(50))) {
                seen.add(r.key());
            }
        }
        int early = seen.size();
        if (early == n) {
            throw new IllegalStateException(
                    "all " + n + " images were embedded before every instance had partitions; give more --images");
        }
        long first = 0;
        int atFirst = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (seen.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + seen.size() + " of " + n + " embeddings in 10 minutes");
            }
            for (ConsumerRecord<String, EmbeddingRecord> r : consumer.poll(Duration.ofMillis(50))) {
                seen.add(r.key());
            }
            if (first == 0 && seen.size() > early) {
                first = System.nanoTime(); // from the first visible embedding: start-up and rebalance excluded
                atFirst = seen.size();
                atFirstRead.run();
            }
        }
        return (n - atFirst) / ((System.nanoTime() - first) / 1e9);
    }

    /**
     * Produce → read latencies of the {@code count} images whose ids start with {@code prefix}; produce → embedded
     * (by the embedding's processing time) into {@code toEmbedded}; produce → read of the images produced at
     * {@code settledFromMs} or later into {@code settled}.
     */
    private static List<Long> latencies(
            KafkaConsumer<String, EmbeddingRecord> consumer,
            String prefix,
            int count,
            List<Long> toEmbedded,
            long settledFromMs,
            List<Long> settled,
            List<String> rows) {
        List<Long> out = new ArrayList<>(count);
        // A phase may be paced for longer than any fixed deadline: give up only when nothing has come for a minute.
        long idleLimit = Duration.ofMinutes(1).toNanos();
        long lastArrival = System.nanoTime();
        while (out.size() < count && System.nanoTime() - lastArrival < idleLimit) {
            for (ConsumerRecord<String, EmbeddingRecord> r : consumer.poll(Duration.ofMillis(20))) {
                if (r.key().startsWith(prefix)) {
                    lastArrival = System.nanoTime();
                    long read = System.currentTimeMillis();
                    long embedded = r.value().getProcessingTime().toEpochMilli();
                    out.add(read - r.timestamp());
                    toEmbedded.add(embedded - r.timestamp());
                    if (r.timestamp() >= settledFromMs) {
                        settled.add(read - r.timestamp());
                    }
                    rows.add(r.key() + "," + r.partition() + "," + r.timestamp() + "," + embedded + "," + read);
                }
            }
        }
        if (out.size() < count) {
            throw new IllegalStateException(
                    "only " + out.size() + " of " + count + " paced embeddings arrived (none for a minute)");
        }
        return out;
    }

    /** Sends the records, at {@code rate} per second when positive, else as fast as possible. */
    private void produce(List<ImageRecord> records, double rate) {
        try (KafkaProducer<String, ImageRecord> producer = imageProducer(rate, records.get(0))) {
            send(producer, records, rate);
        }
    }

    /**
     * A producer of images that has fetched the topic's metadata and looked up {@code sample}'s schema before it
     * returns: a new producer's first images waited for both, went out 30-70 ms late and then in a burst.
     */
    private KafkaProducer<String, ImageRecord> imageProducer(double rate, ImageRecord sample) {
        SpecificAvroSerializer<ImageRecord> values = new SpecificAvroSerializer<>();
        values.configure(serde, false);
        KafkaProducer<String, ImageRecord> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        rate > 0 ? 5 : 20),
                new StringSerializer(),
                values);
        producer.partitionsFor("images");
        values.serialize("images", sample);
        return producer;
    }

    private static void send(KafkaProducer<String, ImageRecord> producer, List<ImageRecord> records, double rate) {
        long start = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
            if (rate > 0) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            producer.send(new ProducerRecord<>("images", records.get(i).getId(), records.get(i)));
        }
    }

    private void publishModel(ModelVersion version) {
        SpecificAvroSerializer<ModelPart> values = new SpecificAvroSerializer<>();
        values.configure(serde, false);
        try (KafkaProducer<String, ModelPart> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        2 * 1024 * 1024),
                new StringSerializer(),
                values)) {
            for (ModelVersionCodec.KeyedPart p :
                    ModelVersionCodec.toParts(version, ModelVersionCodec.DEFAULT_CHUNK_SIZE)) {
                producer.send(new ProducerRecord<>("models", p.key(), p.part()));
            }
        }
    }

    /** Instance {@code i} (from 1): its own state dir, log and client id, the group's application id. */
    private Instance startService(int i) throws IOException {
        String id = APPLICATION_ID + "-" + i;
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        jvm.addAll(serviceJvm);
        List<String> settings = new ArrayList<>(List.of(
                ServingConfig.BOOTSTRAP_SERVERS + "=" + stack.bootstrapServers(),
                ServingConfig.SCHEMA_REGISTRY_URL + "=" + stack.registryUrl(),
                ServingConfig.APPLICATION_ID + "=" + APPLICATION_ID,
                // Kafka Streams names its consumers after the client id: how the group's members map to instances.
                ServingConfig.KAFKA_PREFIX + "client.id=" + id,
                ServingConfig.IMAGES_TOPIC + "=images",
                ServingConfig.EMBEDDINGS_TOPIC + "=embeddings",
                ServingConfig.MODELS_TOPIC + "=models",
                ServingConfig.DLQ_TOPIC + "=dlq",
                ServingConfig.BATCH_SIZE + "=" + batch,
                ServingConfig.METRICS_PORT + "=0",
                ServingConfig.STATE_DIR + "=" + stateDir.resolve(id)));
        settings.addAll(serviceSettings);
        Path log = stateDir.resolve(id + ".log");
        return new Instance(
                instances == 1 ? "service" : "service " + i, ServiceJvm.start(jvm, settings, log.toFile()), log);
    }

    /**
     * Waits until the group is stable, every images partition is owned and every instance owns some: timing before
     * that would measure the first instance to join draining alone.
     */
    private void awaitPartitionsOwned(List<Instance> services)
            throws InterruptedException, ExecutionException, IOException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (true) {
                GroupState state = GroupState.UNKNOWN;
                Map<Integer, Integer> owned = new TreeMap<>(); // instance → images partitions it owns
                try {
                    ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(APPLICATION_ID))
                            .all()
                            .get()
                            .get(APPLICATION_ID);
                    state = group.groupState();
                    for (MemberDescription m : group.members()) {
                        long images = m.assignment().topicPartitions().stream()
                                .filter(tp -> tp.topic().equals("images"))
                                .count();
                        IntStream.rangeClosed(1, instances)
                                .filter(i -> m.clientId().startsWith(APPLICATION_ID + "-" + i + "-"))
                                .forEach(i -> owned.merge(i, (int) images, Integer::sum));
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                    // no instance has joined yet
                }
                boolean everyoneOwns =
                        owned.size() == instances && owned.values().stream().allMatch(c -> c > 0);
                int total = owned.values().stream().mapToInt(Integer::intValue).sum();
                if (state == GroupState.STABLE && everyoneOwns && total == partitions) {
                    return;
                }
                for (Instance s : services) {
                    if (!s.process().isAlive()) {
                        throw new IllegalStateException(s.name() + " exited with "
                                + s.process().exitValue() + " before the group was balanced; its log ends:\n"
                                + logEnd(s.log()));
                    }
                }
                if (System.nanoTime() > deadline) {
                    Instance idle = IntStream.rangeClosed(1, instances)
                            .filter(i -> owned.getOrDefault(i, 0) == 0)
                            .mapToObj(i -> services.get(i - 1))
                            .findFirst()
                            .orElse(services.get(0));
                    throw new IllegalStateException("after 5 minutes the group " + APPLICATION_ID + " is " + state
                            + ", images partitions per instance " + owned + " of " + partitions + "; the log of "
                            + idle.name() + " ends:\n" + logEnd(idle.log()));
                }
                Thread.sleep(200);
            }
        }
    }

    /** The last lines of a service's log, for an error message: the state dir and its logs go when the run ends. */
    private static String logEnd(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /**
     * SIGTERM to every instance at once (each closes cleanly and leaves the group), then SIGKILL to any still
     * running after {@link #STOP_TIMEOUT}.
     */
    private static void stop(List<Instance> services) throws InterruptedException {
        services.forEach(s -> s.process().destroy());
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (Instance s : services) {
            if (!s.process().waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                s.process().destroyForcibly().waitFor();
            }
        }
    }

    private KafkaConsumer<String, EmbeddingRecord> committedReader() {
        SpecificAvroDeserializer<EmbeddingRecord> values = new SpecificAvroDeserializer<>(EmbeddingRecord.class);
        values.configure(serde, false);
        KafkaConsumer<String, EmbeddingRecord> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                values);
        List<TopicPartition> partitions = consumer.partitionsFor("embeddings").stream()
                .map(p -> new TopicPartition("embeddings", p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** {@code count} records of the loaded images, in order and round again, with ids {@code prefix0, prefix1, …}. */
    private List<ImageRecord> images(String prefix, int count) {
        List<ImageRecord> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int j = i % jpegs.size();
            out.add(image(prefix + i, jpegs.get(j), labels.get(j)));
        }
        return out;
    }

    private static ImageRecord image(String id, byte[] jpeg, String label) {
        return ImageRecord.newBuilder()
                .setId(id)
                .setSource("bench")
                .setEventTime(Instant.now())
                .setEncoding(ImageEncoding.JPEG)
                .setWidth(32)
                .setHeight(32)
                .setChannels(3)
                .setData(ByteBuffer.wrap(jpeg))
                .setLabel(label)
                .build();
    }

    private static List<byte[]> load(Path dataset, int n, List<String> labels) throws Exception {
        LabelledImages all = LabelledImages.load(dataset).subset(n, 42);
        for (int label : all.labels()) {
            labels.add(all.classes().get(label));
        }
        return all.jpegs();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** A service JVM's Prometheus page; its port is in its log (metrics.port=0 picks a free one). */
    private static String scrape(Path serviceLog) throws Exception {
        String log = Files.readString(serviceLog);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("metrics on http://([^/]+)/metrics")
                .matcher(log);
        if (!m.find()) {
            return "";
        }
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + m.group(1) + "/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The values of every series of a metric family (one per thread, say). */
    private static java.util.DoubleSummaryStatistics seriesOf(String page, String family) {
        return page.lines()
                .filter(l -> l.startsWith(family + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .summaryStatistics();
    }

    private static String scrapeOrThrow(Path serviceLog) {
        try {
            return scrape(serviceLog);
        } catch (Exception e) {
            throw new IllegalStateException("scraping the service's metrics at the start of the drain", e);
        }
    }

    private static double metric(String page, String name) {
        return page.lines()
                .filter(l -> l.startsWith(name + " "))
                .findFirst()
                .map(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .orElse(Double.NaN);
    }

    private static String cores(Map<String, Double> byProcess) {
        return byProcess.values().stream().map(c -> String.format("%.2f", c)).collect(Collectors.joining(", "));
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static long kb(String status, String field) {
        return status.lines()
                .filter(l -> l.startsWith(field))
                .findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .orElse(-1L);
    }

    private static String machine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElse("unknown CPU");
        long memKb = kb(Files.readString(Path.of("/proc/meminfo")), "MemTotal:");
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + memKb / 1024 / 1024
                + " GiB, Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version");
    }

    /** The last value of service setting {@code key} among {@code key=value} settings (the one that wins), or null. */
    private static String setting(List<String> settings, String key) {
        return lastValue(settings, key + "=");
    }

    /** The last {@code -Dai.djl.pytorch.num_threads=} value among JVM options (the one the JVM keeps), or null. */
    private static String intraOpThreads(List<String> jvmOptions) {
        return lastValue(jvmOptions, "-D" + INTRA_OP_THREADS + "=");
    }

    /** What follows {@code prefix} in the last of {@code words} that starts with it, or null. */
    private static String lastValue(List<String> words, String prefix) {
        String value = null;
        for (String w : words) {
            if (w.startsWith(prefix)) {
                value = w.substring(prefix.length());
            }
        }
        return value;
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
