package io.extrema.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with per-parameter decoupled weight decay (DJL's applies one decay to every parameter) and a
 * global-norm gradient clip (DJL's clips element-wise). Gradients are read from the parameters' arrays after
 * backward; the caller zeroes them after each step (applied or skipped).
 */
public final class AdamW {

  /** One parameter with its moments, whether it decays, and its learning-rate multiplier. */
  private record Slot(String name, Parameter parameter, NDArray m, NDArray v, boolean decays, double lrScale) { }

  private final NDManager manager;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final List<Slot> slots = new ArrayList<>();
  private long updates;

  public AdamW(NDManager manager, double beta1, double beta2, double eps, double weightDecay) {
    this.manager = manager;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  public void add(String name, Parameter parameter, boolean decays, double lrScale) {
    NDArray w = parameter.getArray();
    slots.add(new Slot(name, parameter, manager.zeros(w.getShape(), w.getDataType(), w.getDevice()),
        manager.zeros(w.getShape(), w.getDataType(), w.getDevice()), decays, lrScale));
  }

  /** Updates applied so far (Adam's bias-correction counter). */
  public long updates() {
    return updates;
  }

  public void setUpdates(long updates) {
    this.updates = updates;
  }

  /** Names of the parameters that get weight decay. */
  public List<String> decayed() {
    return slots.stream().filter(Slot::decays).map(Slot::name).toList();
  }

  /** First and second moments by name ("m." / "v." + parameter name), for checkpoints. */
  public Map<String, NDArray> moments() {
    Map<String, NDArray> map = new LinkedHashMap<>();
    for (Slot s : slots) {
      map.put("m." + s.name(), s.m());
    }
    for (Slot s : slots) {
      map.put("v." + s.name(), s.v());
    }
    return map;
  }

  /** Sum over all parameters of the squared gradient, as a scalar on the device (read it once per step). */
  public NDArray gradientSquaredNorm(NDManager scope) {
    NDArray total = null;
    for (Slot s : slots) {
      NDArray g = s.parameter().getArray().getGradient();
      g.attach(scope);
      NDArray sq = g.square().sum();
      total = total == null ? sq : total.add(sq);
    }
    return total;
  }

  /**
   * One AdamW update of every parameter: gradients scaled by {@code gradScale} (the clip coefficient), then
   * {@code w ← w − lr·(m̂/(√v̂+ε) + wd·w)} with decay only where it applies.
   */
  public void step(double lr, double gradScale) {
    updates++;
    double bc1 = 1 - Math.pow(beta1, updates);
    double bc2 = 1 - Math.pow(beta2, updates);
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (Slot s : slots) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray w = s.parameter().getArray();
          NDArray g = w.getGradient();
          g.attach(scope);
          if (gradScale != 1.0) {
            g = g.mul(gradScale);
          }
          s.m().muli(beta1).addi(g.mul(1 - beta1));
          s.v().muli(beta2).addi(g.square().muli(1 - beta2));
          double rate = lr * s.lrScale();
          NDArray denom = scoped(s.v().div(bc2), scope).sqrt().addi(eps);
          NDArray update = scoped(s.m().mul(rate / bc1), scope).divi(denom);
          if (s.decays()) {
            w.muli(1 - rate * weightDecay);
          }
          w.subi(update);
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Sets every gradient to zero (fill, so NaN/Inf gradients of a skipped step are cleared too). */
  public void zeroGradients() {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (Slot s : slots) {
        try (NDArray g = s.parameter().getArray().getGradient()) {
          g.set(new NDIndex("..."), 0f);
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private static NDArray scoped(NDArray array, NDManager scope) {
    array.attach(scope);
    return array;
  }
}
