package io.extrema.model.bench;

import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.EvalTransform;
import io.extrema.model.augment.Normalisation;
import io.extrema.model.eval.KnnEvaluator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The learning benchmark: trains the CPU preset on the CIFAR-10 train split without labels for a wall-clock
 * budget and prints k-NN accuracy on the test split every few minutes, next to the raw-pixel baseline and the
 * randomly initialised network (the point at minute 0). Writes {@code curve.csv} and {@code curve.png}.
 *
 * <pre>
 * mvn -q -o -pl model test-compile exec:java -Dexec.mainClass=io.extrema.model.bench.LearningBenchmark -Dexec.args="--short"
 * </pre>
 */
public final class LearningBenchmark {

    /** Every setting, its default and what it does; {@code --help} prints this table. */
    private static final String[][] OPTIONS = {
        {"data", "../shared/datasets/cifar10", "folder holding train.tar and test.tar (ImageFolder layout inside)"},
        {"minutes", "30", "training budget in minutes, evaluation time excluded"},
        {"max-steps", "0", "stop after this many training steps within the budget (0: no limit)"},
        {"eval-every", "5", "training minutes between evaluations"},
        {"eval-steps", "0", "also evaluate every this many steps (0: by time only); for equal-images comparisons"},
        {"bank-train", "50000", "train-split images in the k-NN bank (a fixed seeded subset when smaller)"},
        {"bank-test", "10000", "test-split images scored (a fixed seeded subset when smaller)"},
        {"train-images", "50000", "train-split images used for training, without labels"},
        {"short", "false", "quick mode: 3 minutes, evaluation every minute, bank 5000 train / 1000 test"},
        {
            "augment",
            "paper",
            "view augmentation: paper (crop down to the model's cropScaleMin, flip, colour) or masking-only (no colour)"
        },
        {"colour", "", "override colour augmentation: jitterP,brightness,contrast,saturation,hue,grayP"},
        {"online", "false", "also score the online encoder"},
        {
            "supervised",
            "false",
            "train the same encoder with the training images' labels instead (cross-entropy on the mean patch token), "
                    + "scored by the same k-NN: what labels buy in the same minutes"
        },
        {"no-init-eval", "false", "skip the random-init point at step 0 (sweeps sharing one initialisation)"},
        {"workers", "1", "decode + augment threads"},
        {"set", "", "model setting overrides, comma separated key=value (ExtremaConfig.cifarTiny() component names)"},
        {"seed", "1", "seed of the augmentation and of the subsets"},
        {"out", "benchmarks-out/learning-<time>", "output folder for curve.csv and curve.png"},
        {
            "export",
            "",
            "write the trained target weights to this file at the end (what a model version carries; extrema train "
                    + "--init FILE warm-starts from it)"
        },
    };

    private LearningBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        boolean quick = Boolean.parseBoolean(opts.get("short"));
        if (quick) {
            for (String[] d :
                    new String[][] {{"minutes", "3"}, {"eval-every", "1"}, {"bank-train", "5000"}, {"bank-test", "1000"}
                    }) {
                if (!explicit(args, d[0])) opts.put(d[0], d[1]);
            }
        }
        Path data = Path.of(opts.get("data"));
        ExtremaConfig model = ExtremaConfig.cifarTiny();
        for (String kv : opts.get("set").split(",")) {
            if (kv.isBlank()) continue;
            String[] p = kv.split("=", 2);
            model = model.with(p[0].trim(), p[1].trim());
        }
        AugmentationConfig augmentation = switch (opts.get("augment")) {
            case "paper" -> AugmentationConfig.of(model);
            case "masking-only" -> AugmentationConfig.of(model).withoutColour();
            default -> throw new IllegalArgumentException("--augment must be paper or masking-only");
        };
        if (!opts.get("colour").isBlank()) {
            double[] c = java.util.Arrays.stream(opts.get("colour").split(","))
                    .mapToDouble(Double::parseDouble)
                    .toArray();
            augmentation = augmentation.withColour(c[0], c[1], c[2], c[3], c[4], c[5]);
        }
        long seed = Long.parseLong(opts.get("seed"));
        Path out = Path.of(opts.get("out")
                .replace("<time>", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        Files.createDirectories(out);

        System.out.printf("loading %s%n", data.toAbsolutePath().normalize());
        LabelledImages trainSplit = LabelledImages.load(data.resolve("train.tar"));
        LabelledImages testSplit = LabelledImages.load(data.resolve("test.tar"));
        LabelledImages bankTrain = trainSplit.subset(Integer.parseInt(opts.get("bank-train")), seed);
        LabelledImages bankTest = testSplit.subset(Integer.parseInt(opts.get("bank-test")), seed);
        LabelledImages labelledTraining = trainSplit.subset(Integer.parseInt(opts.get("train-images")), seed + 1);
        UnlabelledImages training = labelledTraining.withoutLabels();
        boolean supervised = Boolean.parseBoolean(opts.get("supervised"));

        LearningRun.Settings settings = new LearningRun.Settings(
                model,
                augmentation,
                minutes(opts.get("minutes")),
                Long.parseLong(opts.get("max-steps")),
                minutes(opts.get("eval-every")),
                Long.parseLong(opts.get("eval-steps")),
                Integer.parseInt(opts.get("workers")),
                4 * model.batchSize(),
                Boolean.parseBoolean(opts.get("online")),
                !Boolean.parseBoolean(opts.get("no-init-eval")),
                seed);
        Report report = run(
                supervised
                        ? new LearningRun(
                                settings,
                                config -> new SupervisedReference(
                                        config,
                                        labelledTraining.labels(),
                                        labelledTraining.classes().size()))
                        : new LearningRun(settings),
                training,
                bankTrain,
                bankTest,
                out,
                String.format(
                        Locale.ROOT,
                        "%s %s, %d train imgs, bank %d/%d",
                        supervised ? "supervised reference" : "ExtreMA",
                        opts.get("augment"),
                        training.jpegs().size(),
                        bankTrain.size(),
                        bankTest.size()),
                opts.get("export").isBlank() ? Optional.empty() : Optional.of(Path.of(opts.get("export"))));
        System.out.printf(Locale.ROOT, "wrote %s and %s; peak RSS %s%n", report.csv(), report.png(), peakRss());
    }

    /** Where a run's files went, and its reference figures. */
    public record Report(List<CurvePoint> curve, double rawPixels, Path csv, Path png) {}

    /** Raw-pixel baseline, the run (printing each point), CSV and PNG: shared with the regression test. */
    public static Report run(
            LearningRun learningRun,
            UnlabelledImages training,
            LabelledImages bankTrain,
            LabelledImages bankTest,
            Path out,
            String title,
            Optional<Path> exportTarget)
            throws IOException, InterruptedException {
        LearningRun.Settings settings = learningRun.settings();
        int size = settings.model().imageSize();
        long t0 = System.nanoTime();
        double rawPixels = EvalBank.rawPixelBaseline(bankTrain, bankTest, size, KnnEvaluator.standard())
                .accuracy();
        System.out.printf(
                Locale.ROOT,
                "raw pixels k-NN %.2f%% (bank %d, test %d, %.1f s)%n",
                100 * rawPixels,
                bankTrain.size(),
                bankTest.size(),
                (System.nanoTime() - t0) / 1e9);
        EvalBank bank = EvalBank.of(bankTrain, bankTest, EvalTransform.whole(size, Normalisation.IMAGENET));
        System.out.printf(
                "config %s%ntraining on %d unlabelled images, budget %s%n",
                settings.model(), training.jpegs().size(), settings.budget());
        Path csv = out.resolve("curve.csv");
        Path png = out.resolve("curve.png");
        List<CurvePoint> sofar = new ArrayList<>();
        List<CurvePoint> curve = learningRun.run(
                training,
                bank,
                p -> {
                    System.out.printf(
                            Locale.ROOT,
                            "min %6.2f step %6d images %8d loss %.4f spread %.3f skipped %d clipped %.1f%% "
                                    + "std*sqrt(d) %.3f knn %s | raw %.2f%% | load %s%n",
                            p.minutes(),
                            p.step(),
                            p.images(),
                            p.loss(),
                            p.spread(),
                            p.skipped(),
                            100 * p.clipped(),
                            p.featureStd(),
                            percent(p.knn()),
                            100 * rawPixels,
                            loadAverage());
                    sofar.add(p);
                    try { // after every point, so a run stopped early still leaves its curve
                        CurveReport.writeCsv(csv, sofar, rawPixels);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                exportTarget); // the CSV of the last point is the whole curve
        CurveReport.writePng(png, curve, rawPixels, title);
        CurvePoint last = curve.get(curve.size() - 1);
        for (String feature : new TreeSet<>(last.knn().keySet())) {
            double minute = CurveReport.crossingMinute(curve, feature, rawPixels);
            System.out.printf(
                    Locale.ROOT,
                    "%s: raw pixels (%.2f%%) %s; %.2f%% at %.1f min%n",
                    feature,
                    100 * rawPixels,
                    Double.isNaN(minute) ? "not crossed" : String.format(Locale.ROOT, "crossed at %.1f min", minute),
                    100 * last.knn().get(feature),
                    last.minutes());
        }
        return new Report(curve, rawPixels, csv, png);
    }

    private static Map<String, String> percent(Map<String, Double> knn) {
        Map<String, String> out = new LinkedHashMap<>();
        knn.forEach((k, v) -> out.put(k, String.format(Locale.ROOT, "%.2f%%", 100 * v)));
        return out;
    }

    private static Duration minutes(String value) {
        return Duration.ofMillis(Math.round(Double.parseDouble(value) * 60_000));
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String[] o : OPTIONS) opts.put(o[0], o[1]);
        Map<String, String> defaults = Map.copyOf(opts);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                usage();
                System.exit(0);
            }
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a);
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!opts.containsKey(name)) {
                usage();
                throw new IllegalArgumentException("unknown option --" + name);
            }
            boolean flag = "false".equals(defaults.get(name)); // a flag is an option whose default is false
            if (value == null) value = flag ? "true" : args[++i];
            opts.put(name, value);
        }
        return opts;
    }

    private static boolean explicit(String[] args, String name) {
        for (String a : args) if (a.equals("--" + name) || a.startsWith("--" + name + "=")) return true;
        return false;
    }

    private static void usage() {
        System.out.println("LearningBenchmark options:");
        for (String[] o : OPTIONS) System.out.printf("  --%-13s %s (default: %s)%n", o[0], o[2], o[1]);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return line.substring(6).trim();
            }
        } catch (IOException e) {
            return "n/a";
        }
        return "n/a";
    }
}
