package io.extrema.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.extrema.model.ComputeDevice;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Training-step speed of a preset, as ratios measured in the same process (the machine is shared and noisy):
 * model FLOP utilisation against libtorch's own 2048×2048 fp32 matmul rate, and K masks against one mask at the
 * same batch of images. Prints images/s, step time, analytic FLOPs/step, achieved FLOP/s and peak RSS.
 *
 * <pre>
 * mvn -q -o -pl model test-compile exec:java -Dexec.mainClass=io.extrema.model.bench.StepBenchmark \
 *     -Dexec.args="--preset cifar-tiny --batch 128 --steps 10 --masks 4 --ratio 0.75"
 * </pre>
 */
public final class StepBenchmark {

    private StepBenchmark() {}

    public static void main(String[] args) {
        String preset = option(args, "--preset", "cifar-tiny");
        int batch = Integer.parseInt(option(args, "--batch", "128"));
        int steps = Integer.parseInt(option(args, "--steps", "10"));
        int warmup = Integer.parseInt(option(args, "--warmup", "3"));
        int masks = Integer.parseInt(option(args, "--masks", "4"));
        double ratio = Double.parseDouble(option(args, "--ratio", "0.75"));
        ExtremaConfig base = ExtremaConfig.preset(preset).withBatchSize(batch);
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--set")) {
                String[] kv = args[i + 1].split("=", 2);
                base = base.with(kv[0], kv[1]);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "device %s, %d cores, %s%n",
                ComputeDevice.best(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"));
        System.out.println("config " + base.toMap());

        String threadList =
                option(args, "--threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
        for (String threads : threadList.split(",")) {
            // libtorch's intra-op pool can be resized at run time: compare thread counts in one process
            JniUtils.setNumThreads(Integer.parseInt(threads.trim()));
            System.out.printf(Locale.ROOT, "--- libtorch intra-op threads: %d%n", JniUtils.getNumThreads());
            interleaved(base.withMasks(masks, ratio), base.withMasks(1, ratio), batch, steps, warmup);
        }
        System.out.println("peak RSS: " + peakRss());
    }

    /**
     * Alternates matmul probe, K-mask step and 1-mask step, so every ratio compares measurements taken seconds apart
     * (other processes on a shared machine change the available CPU from minute to minute); reports medians.
     */
    private static void interleaved(ExtremaConfig many, ExtremaConfig one, int batch, int steps, int warmup) {
        double flopsMany = ModelFlops.trainingStep(many, batch);
        double flopsOne = ModelFlops.trainingStep(one, batch);
        double[] matmul = new double[steps];
        double[] millisMany = new double[steps];
        double[] millisOne = new double[steps];
        double[] utilMany = new double[steps];
        double[] utilOne = new double[steps];
        double[] ratio = new double[steps];
        try (ExtremaTrainer a = ExtremaTrainer.create(many);
                ExtremaTrainer b = ExtremaTrainer.create(one);
                NDManager m = a.model().manager().newSubManager()) {
            int side = many.imageSize();
            NDArray online = m.randomNormal(new Shape(batch, 3, side, side));
            NDArray target = m.randomNormal(new Shape(batch, 3, side, side));
            for (int i = 0; i < warmup + steps; i++) {
                double rate = MatmulRate.of(ComputeDevice.best(), DataType.FLOAT32);
                double tMany = timed(a, online, target);
                double tOne = timed(b, online, target);
                if (i >= warmup) {
                    int j = i - warmup;
                    matmul[j] = rate;
                    millisMany[j] = tMany;
                    millisOne[j] = tOne;
                    utilMany[j] = flopsMany / (tMany / 1000) / rate;
                    utilOne[j] = flopsOne / (tOne / 1000) / rate;
                    ratio[j] = tMany / tOne;
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "matmul 2048x2048 fp32: median %.1f GFLOP/s (range %.1f-%.1f)%n",
                median(matmul) / 1e9,
                Arrays.stream(matmul).min().orElseThrow() / 1e9,
                Arrays.stream(matmul).max().orElseThrow() / 1e9);
        report(many, batch, millisMany, flopsMany, utilMany);
        report(one, batch, millisOne, flopsOne, utilOne);
        System.out.printf(
                Locale.ROOT,
                "K=%d vs K=1 step time: median %.2fx over %d step pairs (FLOP ratio %.2fx; "
                        + "K=%d runs %dx the masked views per image)%n",
                many.numMasks(),
                median(ratio),
                steps,
                flopsMany / flopsOne,
                many.numMasks(),
                many.numMasks());
    }

    private static void report(ExtremaConfig c, int batch, double[] millis, double flops, double[] util) {
        double t = median(millis);
        System.out.printf(
                Locale.ROOT,
                "K=%d r=%.3f batch=%d: step median %.1f ms, %.1f images/s, %.2f GFLOP/step, %.1f GFLOP/s, "
                        + "utilisation median %.0f%% (range %.0f-%.0f%%) of the matmul rate%n",
                c.numMasks(),
                c.maskRatio(),
                batch,
                t,
                batch * 1000.0 / t,
                flops / 1e9,
                flops / t / 1e6,
                100 * median(util),
                100 * Arrays.stream(util).min().orElseThrow(),
                100 * Arrays.stream(util).max().orElseThrow());
    }

    private static double timed(ExtremaTrainer trainer, NDArray online, NDArray target) {
        long t0 = System.nanoTime();
        trainer.step(online, target);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static String peakRss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmHWM"))
                    .map(l -> l.replaceAll("\\s+", " "))
                    .findFirst()
                    .orElse("n/a");
        } catch (java.io.IOException e) {
            return "n/a (" + e.getMessage() + ")";
        }
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
