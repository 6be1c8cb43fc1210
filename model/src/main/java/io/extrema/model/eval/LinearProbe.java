package io.extrema.model.eval;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Linear probe: multinomial logistic regression on frozen features. Features are standardised per dimension with
 * training-set statistics; the classifier is trained by minibatch SGD with momentum and a cosine learning rate.
 * The weight decay is chosen on a held-out part of the training set (never the test set), then the probe is
 * retrained on the whole training set with it and scored on the test set.
 */
public final class LinearProbe {

    /**
     * @param epochs        passes over the training data per fit
     * @param batchSize     minibatch size
     * @param learningRate  peak learning rate (cosine decay to zero)
     * @param weightDecays  candidate L2 penalties, the best on the held-out split wins
     * @param holdout       fraction of the training set held out to choose the weight decay
     * @param seed          shuffling and split seed
     */
    public record Settings(
            int epochs, int batchSize, double learningRate, List<Double> weightDecays, double holdout, long seed) {
        public Settings {
            if (epochs < 1 || batchSize < 1) throw new IllegalArgumentException("epochs and batchSize must be >= 1");
            if (weightDecays.isEmpty()) throw new IllegalArgumentException("no weight decay candidates");
            if (!(holdout > 0 && holdout < 1)) throw new IllegalArgumentException("holdout must be in (0,1)");
            weightDecays = List.copyOf(weightDecays);
        }

        /** A few dozen epochs, three weight decays, 10 % held out: seconds for 50,000 x 256 features. */
        public static Settings defaults() {
            return new Settings(30, 256, 0.1, List.of(0.0, 1e-4, 1e-3), 0.1, 0);
        }
    }

    /** Test result, the weight decay chosen and the held-out accuracy of each candidate. */
    public record Result(ClassificationResult test, double weightDecay, double[] holdoutAccuracy) {}

    private final Settings settings;

    public LinearProbe(Settings settings) {
        this.settings = settings;
    }

    public Result evaluate(float[][] trainFeatures, int[] trainLabels, float[][] testFeatures, int[] testLabels) {
        if (trainFeatures.length != trainLabels.length) {
            throw new IllegalArgumentException(
                    "train features " + trainFeatures.length + " vs labels " + trainLabels.length);
        }
        int d = FeatureMatrix.width(trainFeatures, testFeatures);
        int numClasses = ClassificationResult.numClasses(trainLabels, testLabels);
        Standardiser std = new Standardiser(trainFeatures, d);
        float[][] train = std.apply(trainFeatures);
        float[][] test = std.apply(testFeatures);

        // Held-out split of the training set for the weight-decay choice.
        int[] order = permutation(train.length, new SplittableRandom(settings.seed()));
        int nHold = Math.max(1, (int) Math.round(train.length * settings.holdout()));
        int[] fitIdx = Arrays.copyOfRange(order, nHold, order.length);
        int[] holdIdx = Arrays.copyOfRange(order, 0, nHold);
        double[] holdAcc = new double[settings.weightDecays().size()];
        int best = 0;
        for (int w = 0; w < holdAcc.length; w++) {
            Softmax model = fit(
                    train,
                    trainLabels,
                    fitIdx,
                    d,
                    numClasses,
                    settings.weightDecays().get(w));
            int correct = 0;
            for (int i : holdIdx) if (model.predict(train[i]) == trainLabels[i]) correct++;
            holdAcc[w] = (double) correct / holdIdx.length;
            if (holdAcc[w] > holdAcc[best]) best = w;
        }
        double wd = settings.weightDecays().get(best);
        Softmax model = fit(
                train,
                trainLabels,
                permutation(train.length, new SplittableRandom(settings.seed())),
                d,
                numClasses,
                wd);
        int[] predicted = new int[test.length];
        for (int i = 0; i < test.length; i++) predicted[i] = model.predict(test[i]);
        return new Result(ClassificationResult.of(predicted, testLabels, numClasses), wd, holdAcc);
    }

    private Softmax fit(float[][] x, int[] y, int[] indices, int d, int numClasses, double weightDecay) {
        Softmax m = new Softmax(d, numClasses);
        float[] vw = new float[m.w.length];
        float[] vb = new float[numClasses];
        float[] gw = new float[m.w.length];
        float[] gb = new float[numClasses];
        float[] p = new float[numClasses];
        SplittableRandom rng = new SplittableRandom(settings.seed() + 1);
        int[] idx = indices.clone();
        int stepsPerEpoch = (idx.length + settings.batchSize() - 1) / settings.batchSize();
        long totalSteps = (long) stepsPerEpoch * settings.epochs();
        long step = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            shuffle(idx, rng);
            for (int start = 0; start < idx.length; start += settings.batchSize(), step++) {
                int end = Math.min(idx.length, start + settings.batchSize());
                Arrays.fill(gw, 0);
                Arrays.fill(gb, 0);
                for (int s = start; s < end; s++) {
                    float[] xi = x[idx[s]];
                    m.probabilities(xi, p);
                    p[y[idx[s]]] -= 1; // d(cross-entropy)/d(logits) = p - onehot
                    for (int c = 0; c < numClasses; c++) {
                        float g = p[c];
                        gb[c] += g;
                        int o = c * d;
                        for (int j = 0; j < d; j++) gw[o + j] += g * xi[j];
                    }
                }
                float inv = 1f / (end - start);
                float lr = (float) (settings.learningRate() * 0.5 * (1 + Math.cos(Math.PI * step / totalSteps)));
                for (int i = 0; i < m.w.length; i++) {
                    vw[i] = 0.9f * vw[i] + gw[i] * inv + (float) weightDecay * m.w[i];
                    m.w[i] -= lr * vw[i];
                }
                for (int c = 0; c < numClasses; c++) {
                    vb[c] = 0.9f * vb[c] + gb[c] * inv;
                    m.b[c] -= lr * vb[c];
                }
            }
        }
        return m;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p, rng);
        return p;
    }

    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Weights [C, D] row-major and biases [C]. */
    private static final class Softmax {
        final int d;
        final float[] w;
        final float[] b;

        Softmax(int d, int numClasses) {
            this.d = d;
            this.w = new float[numClasses * d];
            this.b = new float[numClasses];
        }

        void probabilities(float[] x, float[] out) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < b.length; c++) {
                float z = b[c];
                int o = c * d;
                for (int j = 0; j < d; j++) z += w[o + j] * x[j];
                out[c] = z;
                max = Math.max(max, z);
            }
            float sum = 0;
            for (int c = 0; c < b.length; c++) {
                out[c] = (float) Math.exp(out[c] - max);
                sum += out[c];
            }
            for (int c = 0; c < b.length; c++) out[c] /= sum;
        }

        int predict(float[] x) {
            int best = 0;
            float bestZ = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < b.length; c++) {
                float z = b[c];
                int o = c * d;
                for (int j = 0; j < d; j++) z += w[o + j] * x[j];
                if (z > bestZ) {
                    bestZ = z;
                    best = c;
                }
            }
            return best;
        }
    }

    /** Per-dimension standardisation with training-set mean and standard deviation. */
    private static final class Standardiser {
        final double[] mean;
        final double[] invStd;

        Standardiser(float[][] train, int d) {
            mean = FeatureMatrix.columnMeans(train, d);
            double[] var = new double[d];
            for (float[] r : train)
                for (int j = 0; j < d; j++) {
                    double c = r[j] - mean[j];
                    var[j] += c * c;
                }
            invStd = new double[d];
            for (int j = 0; j < d; j++) {
                double s = Math.sqrt(var[j] / train.length);
                invStd[j] = s > 1e-8 ? 1 / s : 0; // a constant dimension carries no information
            }
        }

        float[][] apply(float[][] rows) {
            float[][] out = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                float[] r = rows[i];
                float[] o = new float[r.length];
                for (int j = 0; j < r.length; j++) o[j] = (float) ((r[j] - mean[j]) * invStd[j]);
                out[i] = o;
            }
            return out;
        }
    }
}
