package io.extrema.model.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;
import io.extrema.model.ComputeDevice;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.augment.AugmentationConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bench/gpu-check}: in about ten minutes, whether a GPU machine trains and how fast, in one report file.
 *
 * <ol>
 *   <li>what DJL sees: its version, the libtorch it loaded and from where, the GPUs and CUDA runtime;
 *   <li>the same seeded steps on the CPU in fp32 and fp16, and on the GPU in fp32 and fp16, from the same weights:
 *       the losses must agree within {@value #FP32_TOLERANCE} (fp32) and {@value #FP16_TOLERANCE} (fp16);
 *   <li>step rate and model FLOP utilisation of {@code cifar-tiny} and {@code vit-small16}, against the device's
 *       own large-matmul rate in the same precision, at the largest batch of a ladder that fits;
 *   <li>decode + augmentation images/s per core for 224-pixel training, and the cores the measured
 *       {@code vit-small16} step rate needs;
 *   <li>with a GPU and {@code --data}: {@code cifar-tiny} trained on the CIFAR-10 tars for {@code --minutes}, with
 *       its k-NN curve next to raw pixels.
 * </ol>
 *
 * Without a GPU it runs the CPU part (smaller batches), says so in one line and exits 0. Exits 1 when losses disagree.
 */
public final class GpuCheck {

    static final double FP32_TOLERANCE = 1e-3;
    static final double FP16_TOLERANCE = 5e-3;

    /** Every option, its default and what it does; {@code --help} prints this table. */
    private static final String[][] OPTIONS = {
        {"data", "", "folder with CIFAR-10 train.tar and test.tar: trains cifar-tiny on a GPU for --minutes"},
        {"minutes", "10", "training budget of the cifar-tiny run, evaluation excluded"},
        {"report", "gpu-check-report.md", "the report file (its curve goes to a folder beside it)"},
        {"quick", "false", "the smallest sizes, for CI: seconds instead of minutes on a CPU"},
    };

    /** One preset's step-rate ladder: batches tried largest first on a GPU, and the batch on a CPU. */
    private record Ladder(String preset, int[] gpuBatches, int cpuBatch) {}

    private static final List<Ladder> LADDERS = List.of(
            new Ladder("cifar-tiny", new int[] {1024, 512, 256, 64}, 64),
            new Ladder("vit-small16", new int[] {256, 128, 64, 32}, 8));

    private final Map<String, String> options;
    private final boolean quick;
    private final Path reportFile;
    private final PrintStream out;
    private final StringBuilder report = new StringBuilder();
    private boolean agreed = true;

    private GpuCheck(Map<String, String> options, PrintStream out) {
        this.options = options;
        this.quick = Boolean.parseBoolean(options.get("quick"));
        this.reportFile = Path.of(options.get("report"));
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    /** Runs the check; the exit status: 0 when everything that ran agreed, 1 otherwise. */
    static int run(String[] args, PrintStream out) throws Exception {
        Map<String, String> options = parse(args);
        if (options == null) {
            for (String[] o : OPTIONS) out.printf("  --%-8s %s (default: %s)%n", o[0], o[2], o[1]);
            return 0;
        }
        return new GpuCheck(options, out).check();
    }

    private int check() throws Exception {
        Device device = ComputeDevice.best();
        line("# GPU check, " + ZonedDateTime.now(ZoneOffset.UTC).withNano(0));
        environment(device);
        agreement(device);
        double vitRate = stepRates(device);
        pipeline(vitRate, device);
        if (!device.isGpu()) {
            out.println("No GPU: DJL reports none usable (" + gpuSummary() + "); the CPU part ran, report in "
                    + reportFile);
            return agreed ? 0 : 1;
        }
        String data = options.get("data");
        if (data.isBlank()) {
            line("\nNo --data folder given: the cifar-tiny training run was skipped.");
            write();
        } else {
            training(Path.of(data), Double.parseDouble(options.get("minutes")));
        }
        out.println((agreed ? "GPU check passed" : "GPU check FAILED: losses disagree") + "; report in " + reportFile);
        return agreed ? 0 : 1;
    }

    // --- 1. what DJL sees

    private void environment(Device device) throws IOException {
        Engine engine = Engine.getInstance();
        Path libtorch = Path.of(LibUtils.getLibtorchPath());
        boolean cudaLibtorch = engine.hasCapability(StandardCapabilities.CUDA);
        section("Environment");
        row("Java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        row("CPU cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        row("DJL", Engine.getDjlVersion() + ", engine " + engine.getEngineName() + " " + engine.getVersion());
        row("libtorch loaded from", libtorch + (cudaLibtorch ? " (CUDA build)" : " (CPU build)"));
        row("PYTORCH_LIBRARY_PATH", String.valueOf(System.getenv("PYTORCH_LIBRARY_PATH")));
        row("PYTORCH_FLAVOR", String.valueOf(System.getenv("PYTORCH_FLAVOR")));
        row("GPUs DJL reports", gpuSummary());
        row("training device", device.toString());
        if (engine.getGpuCount() > 0 && !cudaLibtorch) {
            line("\nA GPU is present but the loaded libtorch has no CUDA: build with -Pcuda, or point "
                    + "PYTORCH_LIBRARY_PATH at a CUDA libtorch 2.5.1 (docs/gpu.md).");
        } else if (engine.getGpuCount() == 0 && cudaLibtorch) {
            line("\nThe loaded libtorch has CUDA but DJL found no GPU: DJL counts devices through libcudart (JNA); "
                    + "check nvidia-smi and put the folder holding libcudart.so* on LD_LIBRARY_PATH (docs/gpu.md).");
        }
        write();
    }

    private static String gpuSummary() {
        int count = Engine.getInstance().getGpuCount();
        if (count == 0) {
            return "0";
        }
        long memory = CudaUtils.getGpuMemory(Device.gpu()).getMax();
        return String.format(
                Locale.ROOT,
                "%d (CUDA runtime %s, compute capability %s, %.1f GiB on gpu(0))",
                count,
                CudaUtils.getCudaVersionString(),
                CudaUtils.getComputeCapability(0),
                memory / (1024.0 * 1024 * 1024));
    }

    // --- 2. same seeded steps, devices and precisions compared

    private void agreement(Device device) throws IOException {
        ExtremaConfig fp32 = ExtremaConfig.cifarTiny().withBatchSize(quick ? 8 : 16);
        ExtremaConfig fp16 = fp32.with("precision", ExtremaConfig.PRECISION_FP16);
        int steps = quick ? 4 : 10;
        section("Seeded steps: losses against the CPU in fp32");
        line("cifar-tiny, batch " + fp32.batchSize() + ", " + steps + " steps from the same weights and masks.\n");
        line("| candidate | max abs loss difference | tolerance | fp16 overflow retries | losses (reference, then "
                + "candidate) | verdict |");
        line("|---|---|---|---|---|---|");
        compare("CPU fp16", fp32, fp16, Device.cpu(), steps, FP16_TOLERANCE);
        if (device.isGpu()) {
            compare("GPU fp32", fp32, fp32, device, steps, FP32_TOLERANCE);
            compare("GPU fp16", fp32, fp16, device, steps, FP16_TOLERANCE);
        }
        write();
    }

    private void compare(
            String name, ExtremaConfig reference, ExtremaConfig candidate, Device device, int steps, double tolerance)
            throws IOException {
        StepAgreement.Result r = StepAgreement.compare(reference, Device.cpu(), candidate, device, steps);
        boolean ok = r.maxDifference() <= tolerance
                && java.util.Arrays.stream(r.candidate()).allMatch(Double::isFinite);
        agreed &= ok;
        line(String.format(
                Locale.ROOT,
                "| %s | %.2e | %.0e | %d | %s → %.4f; %s → %.4f | %s |",
                name,
                r.maxDifference(),
                tolerance,
                r.overflowRetries(),
                fmt(r.reference()[0]),
                r.reference()[steps - 1],
                fmt(r.candidate()[0]),
                r.candidate()[steps - 1],
                ok ? "agree" : "DISAGREE"));
    }

    // --- 3. step rate and model FLOP utilisation

    /** @return the best vit-small16 images/s measured (NaN when it was not run) */
    private double stepRates(Device device) throws IOException {
        section("Training-step rate and model FLOP utilisation on " + device);
        List<String> precisions = device.isGpu()
                ? List.of(ExtremaConfig.PRECISION_FP32, ExtremaConfig.PRECISION_FP16)
                : List.of(ExtremaConfig.PRECISION_FP32);
        Map<String, Double> matmul = new LinkedHashMap<>();
        for (String precision : precisions) {
            DataType type = precision.equals(ExtremaConfig.PRECISION_FP16) ? DataType.FLOAT16 : DataType.FLOAT32;
            matmul.put(precision, MatmulRate.of(device, type));
            line(String.format(Locale.ROOT, "- %s matmul rate: %.1f GFLOP/s", precision, matmul.get(precision) / 1e9));
        }
        line("\nInputs already on the device (the model alone), then from host arrays as the trainer hands them "
                + "over (the upload included).\n");
        line("| preset | precision | batch | step ms | images/s | images/s from host | GFLOP/step | MFU |");
        line("|---|---|---|---|---|---|---|---|");
        double vitRate = Double.NaN;
        for (Ladder ladder : LADDERS) {
            boolean vit = ladder.preset().equals("vit-small16");
            if (vit && quick && !device.isGpu()) {
                line("| vit-small16 | | | skipped (--quick on a CPU) | | | | |");
                continue;
            }
            for (String precision : precisions) {
                ExtremaConfig config = ExtremaConfig.preset(ladder.preset()).with("precision", precision);
                double rate = largestThatFits(config, ladder, device, matmul.get(precision));
                if (vit) vitRate = Double.isNaN(vitRate) ? rate : Math.max(vitRate, rate);
            }
        }
        write();
        return vitRate;
    }

    private double largestThatFits(ExtremaConfig config, Ladder ladder, Device device, double matmulRate)
            throws IOException {
        int[] batches = device.isGpu() ? ladder.gpuBatches() : new int[] {quick ? 16 : ladder.cpuBatch()};
        for (int batch : batches) {
            try {
                return timeSteps(config.withBatchSize(batch), device, matmulRate);
            } catch (EngineException e) {
                if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("out of memory")) throw e;
                line(String.format(
                        Locale.ROOT,
                        "| %s | %s | %d | out of memory | | | | |",
                        ladder.preset(),
                        config.precision(),
                        batch));
            }
        }
        return Double.NaN;
    }

    private double timeSteps(ExtremaConfig config, Device device, double matmulRate) throws IOException {
        int batch = config.batchSize();
        int side = config.imageSize();
        int warmup = device.isGpu() ? 3 : 1;
        int steps = device.isGpu() ? 10 : quick ? 1 : 2;
        float[] hostOnline = StepAgreement.images(batch, side, 1);
        float[] hostTarget = StepAgreement.images(batch, side, 2);
        double onDevice;
        double fromHost;
        try (ExtremaTrainer trainer = new ExtremaTrainer(ExtremaModel.create(config, device));
                NDManager inputs = trainer.model().manager().newSubManager()) {
            Shape shape = new Shape(batch, 3, side, side);
            NDArray online = inputs.create(hostOnline, shape);
            NDArray target = inputs.create(hostTarget, shape);
            for (int i = 0; i < warmup; i++) trainer.step(online, target);
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) trainer.step(online, target); // each step reads its loss back: synchronous
            onDevice = (System.nanoTime() - t0) / 1e9 / steps;
            t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) trainer.step(hostOnline, hostTarget, batch);
            fromHost = (System.nanoTime() - t0) / 1e9 / steps;
        }
        double flops = ModelFlops.trainingStep(config, batch);
        line(String.format(
                Locale.ROOT,
                "| %s | %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f%% |",
                presetName(config),
                config.precision(),
                batch,
                1000 * onDevice,
                batch / onDevice,
                batch / fromHost,
                flops / 1e9,
                100 * flops / onDevice / matmulRate));
        return batch / fromHost;
    }

    private static String presetName(ExtremaConfig config) {
        return config.imageSize() == 32 ? "cifar-tiny" : "vit-small16";
    }

    // --- 4. input pipeline

    private void pipeline(double vitRate, Device device) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        InputPipelineRate pipeline = new InputPipelineRate(ExtremaConfig.vitSmall16(), quick ? 4 : 32);
        int rounds = quick ? 1 : 3;
        InputPipelineRate.Rate one = pipeline.measure(1, rounds);
        InputPipelineRate.Rate all = pipeline.measure(cores, rounds);
        section("Input pipeline: JPEG decode + augmentation for 224-pixel training");
        line(String.format(
                Locale.ROOT,
                "Synthetic %dx%d JPEGs (%.0f KB average), decoded and shrunk to 256 (once per arriving image), "
                        + "then the two 224-pixel views (once per draw).%n",
                InputPipelineRate.WIDTH,
                InputPipelineRate.HEIGHT,
                pipeline.meanJpegBytes() / 1024.0));
        line("| threads | decode + shrink images/s | two views images/s | fresh (decode + views) images/s | replay "
                + "factor 4 images/s |");
        line("|---|---|---|---|---|");
        for (InputPipelineRate.Rate r : List.of(one, all)) {
            line(String.format(
                    Locale.ROOT,
                    "| %d | %.1f | %.1f | %.1f | %.1f |",
                    r.threads(),
                    r.decodePerSecond(),
                    r.augmentPerSecond(),
                    r.freshPerSecond(),
                    r.perSecond(4)));
        }
        if (Double.isNaN(vitRate)) {
            line("\nvit-small16 was not timed here, so no core count is derived.");
        } else {
            line(String.format(
                    Locale.ROOT,
                    "%nvit-small16 trains %.1f images/s on %s: it needs %.2f cores of this CPU for a fresh stream "
                            + "(every image decoded), %.2f at replay factor 4 (the trainer's default); "
                            + "this machine has %d.",
                    vitRate,
                    device,
                    vitRate / one.freshPerSecond(),
                    vitRate / one.perSecond(4),
                    cores));
        }
        write();
    }

    // --- 5. learning on CIFAR-10

    private void training(Path data, double minutes) throws IOException, InterruptedException {
        ExtremaConfig model = ExtremaConfig.cifarTiny();
        LabelledImages train = LabelledImages.load(data.resolve("train.tar"));
        LabelledImages test = LabelledImages.load(data.resolve("test.tar"));
        LearningRun.Settings settings = new LearningRun.Settings(
                model,
                AugmentationConfig.of(model),
                Duration.ofMillis(Math.round(minutes * 60_000)),
                0,
                Duration.ofMillis(Math.round(minutes * 60_000 / 5)),
                0,
                Runtime.getRuntime().availableProcessors(),
                4 * model.batchSize(),
                false,
                true,
                1);
        Path curveDir = reportFile.toAbsolutePath().resolveSibling(stem(reportFile) + "-curve");
        Files.createDirectories(curveDir);
        LearningBenchmark.Report run = LearningBenchmark.run(
                new LearningRun(settings),
                train.withoutLabels(),
                train,
                test,
                curveDir,
                "cifar-tiny on " + Device.gpu(),
                Optional.empty());
        section("Learning: cifar-tiny on the CIFAR-10 train split, k-NN on the test split");
        line(String.format(
                Locale.ROOT,
                "%s minutes of training (evaluation excluded), k-NN (k = 20) of the target's class token over the "
                        + "%d train images against the %d test images; raw pixels: %.2f%%. Curve: %s%n",
                minutes,
                train.size(),
                test.size(),
                100 * run.rawPixels(),
                run.png()));
        line("| minutes | step | images | loss | k-NN target-cls | k-NN target-mean |");
        line("|---|---|---|---|---|---|");
        for (CurvePoint p : run.curve()) {
            line(String.format(
                    Locale.ROOT,
                    "| %.2f | %d | %d | %s | %.2f%% | %.2f%% |",
                    p.minutes(),
                    p.step(),
                    p.images(),
                    fmt(p.loss()),
                    100 * p.knn().get("target-cls"),
                    100 * p.knn().get("target-mean")));
        }
        write();
    }

    // --- report plumbing

    private void section(String title) {
        line("\n## " + title + "\n");
    }

    private void row(String name, String value) {
        line("- " + name + ": " + value);
    }

    private void line(String text) {
        out.println(text);
        report.append(text).append('\n');
    }

    /** After every section, so a run stopped early still leaves what it measured. */
    private void write() throws IOException {
        Path parent = reportFile.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(reportFile, report);
    }

    private static String fmt(double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.4f", value);
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The options with their defaults; null for {@code --help}. */
    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String[] o : OPTIONS) options.put(o[0], o[1]);
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String a = rest.remove(0);
            if (a.equals("--help") || a.equals("-h")) return null;
            String name = a.startsWith("--") ? a.substring(2) : "";
            if (!options.containsKey(name)) throw new IllegalArgumentException("unknown option " + a);
            if (name.equals("quick")) {
                options.put(name, "true");
            } else if (rest.isEmpty()) {
                throw new IllegalArgumentException(a + " needs a value");
            } else {
                options.put(name, rest.remove(0));
            }
        }
        return options;
    }
}
