package io.extrema.model.bench;

import ai.djl.Device;
import io.extrema.model.Checkpoint;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.StepResult;
import java.io.IOException;
import java.util.Random;

/**
 * The same seeded training steps run twice from the same weights, on two devices or in two precisions, to see
 * what the device or the precision changes in the losses. Both trainers start from the reference's initial weights
 * (a GPU's random generator would initialise differently), and every step's masks and drop-path come from Java
 * generators seeded by the step, so the only differences left are the arithmetic's.
 */
public final class StepAgreement {

    /**
     * @param reference the reference run's losses, one per step
     * @param candidate the candidate run's losses; NaN where it skipped the step
     * @param overflowRetries fp16 steps of the candidate whose gradients overflowed while its loss scale settled, each
     *     stepped again on the same batch (an overflow is not an attempt: the retry draws the same masks)
     * @param maxDifference largest |reference − candidate| over the steps both applied
     */
    public record Result(double[] reference, double[] candidate, int overflowRetries, double maxDifference) {}

    // the loss scale halves per overflow: 2^16 down to 1 takes 16
    private static final int MAX_RETRIES = 16;

    private StepAgreement() {}

    /** {@code steps} steps of each, on the same seeded random images, from the reference's initial weights. */
    public static Result compare(
            ExtremaConfig reference, Device referenceDevice, ExtremaConfig candidate, Device candidateDevice, int steps)
            throws IOException {
        double[] ref = new double[steps];
        double[] cand = new double[steps];
        int retries = 0;
        double max = 0;
        try (ExtremaTrainer a = new ExtremaTrainer(ExtremaModel.create(reference, referenceDevice));
                ExtremaTrainer b = new ExtremaTrainer(ExtremaModel.create(candidate, candidateDevice))) {
            Checkpoint.restore(b, Checkpoint.toBytes(a));
            int side = reference.imageSize();
            int batch = reference.batchSize();
            for (int i = 0; i < steps; i++) {
                float[] online = images(batch, side, 2L * i);
                float[] target = images(batch, side, 2L * i + 1);
                StepResult r = a.step(online, target, batch);
                StepResult c = b.step(online, target, batch);
                for (int k = 0; overflowed(c) && k < MAX_RETRIES; k++) {
                    retries++;
                    c = b.step(online, target, batch);
                }
                ref[i] = r.loss();
                cand[i] = c.skipped() ? Double.NaN : c.loss();
                if (!r.skipped() && !c.skipped()) {
                    max = Math.max(max, Math.abs(r.loss() - c.loss()));
                }
            }
        }
        return new Result(ref, cand, retries, max);
    }

    /** Skipped with a finite loss: the gradients overflowed, not the forward pass. */
    private static boolean overflowed(StepResult r) {
        return r.skipped() && Double.isFinite(r.loss());
    }

    /** Normalised-looking CHW images: smooth random colour fields, the same on every machine for a seed. */
    static float[] images(int batch, int side, long seed) {
        Random random = new Random(seed);
        float[] out = new float[batch * 3 * side * side];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < 3; c++) {
                double fx = 0.05 + 0.3 * random.nextDouble();
                double fy = 0.05 + 0.3 * random.nextDouble();
                double phase = 6.3 * random.nextDouble();
                double level = random.nextGaussian();
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        out[((b * 3 + c) * side + y) * side + x] =
                                (float) (level + Math.sin(fx * x + fy * y + phase) + 0.2 * random.nextGaussian());
                    }
                }
            }
        }
        return out;
    }
}
