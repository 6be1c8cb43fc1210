package io.extrema.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.extrema.model.ComputeDevice;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.ModelFlops;
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
 * mvn -q -o -pl model exec:java -Dexec.mainClass=io.extrema.model.bench.StepBenchmark \
 *     -Dexec.args="--preset cifarTiny --batch 128 --steps 10 --masks 4 --ratio 0.75"
 * </pre>
 */
public final class StepBenchmark {

  private StepBenchmark() {
  }

  public static void main(String[] args) {
    String preset = option(args, "--preset", "cifarTiny");
    int batch = Integer.parseInt(option(args, "--batch", "128"));
    int steps = Integer.parseInt(option(args, "--steps", "10"));
    int warmup = Integer.parseInt(option(args, "--warmup", "3"));
    int masks = Integer.parseInt(option(args, "--masks", "4"));
    double ratio = Double.parseDouble(option(args, "--ratio", "0.75"));
    ExtremaConfig base = switch (preset) {
      case "cifarTiny" -> ExtremaConfig.cifarTiny();
      case "vitSmall16" -> ExtremaConfig.vitSmall16();
      case "vitBase16" -> ExtremaConfig.vitBase16();
      default -> throw new IllegalArgumentException("unknown preset " + preset);
    };
    base = base.withBatchSize(batch);
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--set")) {
        String[] kv = args[i + 1].split("=", 2);
        base = base.with(kv[0], kv[1]);
      }
    }
    System.out.printf(Locale.ROOT, "device %s, %d cores, %s%n", ComputeDevice.best(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"));
    System.out.println("config " + base.toMap());

    double matmulBefore = matmulRate();
    Measured k = measure(base.withMasks(masks, ratio), batch, steps, warmup);
    Measured one = measure(base.withMasks(1, ratio), batch, steps, warmup);
    double matmulAfter = matmulRate();
    double matmul = Math.max(matmulBefore, matmulAfter);

    System.out.printf(Locale.ROOT, "matmul 2048x2048 fp32: %.1f GFLOP/s (before %.1f, after %.1f)%n",
        matmul / 1e9, matmulBefore / 1e9, matmulAfter / 1e9);
    for (Measured m : new Measured[] {k, one}) {
      System.out.printf(Locale.ROOT,
          "K=%d r=%.3f batch=%d: step %.1f ms (median of %d), %.1f images/s, %.2f GFLOP/step, %.1f GFLOP/s, "
              + "utilisation %.0f%% of matmul rate, loss %.4f%n",
          m.masks, m.ratio, batch, m.stepMillis, steps, batch * 1000.0 / m.stepMillis, m.flops / 1e9,
          m.flops / m.stepMillis / 1e6, 100 * m.flops / (m.stepMillis / 1000) / matmul, m.lastLoss);
    }
    System.out.printf(Locale.ROOT, "K=%d vs K=1 step time: %.2fx (K=%d sees %dx the masked views)%n",
        masks, k.stepMillis / one.stepMillis, masks, masks);
    System.out.println("peak RSS: " + peakRss());
  }

  private record Measured(int masks, double ratio, double stepMillis, double flops, double lastLoss) { }

  private static Measured measure(ExtremaConfig config, int batch, int steps, int warmup) {
    try (ExtremaTrainer trainer = ExtremaTrainer.create(config);
        NDManager m = trainer.model().manager().newSubManager()) {
      int side = config.imageSize();
      NDArray online = m.randomNormal(new Shape(batch, 3, side, side));
      NDArray target = m.randomNormal(new Shape(batch, 3, side, side));
      double[] millis = new double[steps];
      double loss = Double.NaN;
      for (int i = 0; i < warmup + steps; i++) {
        long t0 = System.nanoTime();
        loss = trainer.step(online, target).loss();
        if (i >= warmup) {
          millis[i - warmup] = (System.nanoTime() - t0) / 1e6;
        }
      }
      Arrays.sort(millis);
      return new Measured(config.numMasks(), config.maskRatio(), millis[steps / 2],
          ModelFlops.trainingStep(config, batch), loss);
    }
  }

  /** libtorch's fp32 rate on a large square matmul through DJL: the ceiling the model's FLOPs are compared with. */
  static double matmulRate() {
    int n = 2048;
    try (NDManager m = NDManager.newBaseManager(ComputeDevice.best())) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      a.matMul(b).close();
      double best = 0;
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        try (NDArray c = a.matMul(b)) {
          c.getFloat(0, 0); // forces completion on asynchronous devices
        }
        best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9));
      }
      return best;
    }
  }

  static String peakRss() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmHWM")).map(l -> l.replaceAll("\\s+", " ")).findFirst().orElse("n/a");
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
