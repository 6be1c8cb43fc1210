package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.extrema.model.checkpoint.CheckpointException;
import io.extrema.model.checkpoint.ConfigMismatchException;
import io.extrema.model.nn.StochasticDepth;
import io.extrema.model.nn.VisionEncoder;
import io.extrema.model.optim.AdamW;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExtremaModelTest {

    private static final ExtremaConfig CONFIG = TinyModels.config();
    private static final int B = 16;
    private static final int SIDE = CONFIG.imageSize();

    private static NDArray batch(NDManager m, long seed) {
        return m.create(TinyModels.images(B, SIDE, seed), new Shape(B, 3, SIDE, SIDE));
    }

    @ParameterizedTest
    @ValueSource(strings = {ExtremaConfig.STEM_PATCH, ExtremaConfig.STEM_CONV})
    void shapesThroughEveryBlock(String stem) {
        ExtremaConfig config = CONFIG.with("stem", stem);
        try (ExtremaModel model = ExtremaModel.create(config);
                NDManager m = model.manager().newSubManager()) {
            ParameterStore ps = model.parameterStore();
            NDArray images = batch(m, 1);
            int n = config.numPatches();
            int d = config.dim();
            VisionEncoder.Features whole =
                    model.online().encoder().forward(ps, images, null, 1, StochasticDepth.none(), false);
            assertEquals(new Shape(B, d), whole.instance().getShape());
            assertEquals(new Shape(B, n, d), whole.tokens().getShape());

            int k = config.numMasks();
            int keep = config.keptTokens();
            NDArray idx = MaskSampler.of(config).sampleArray(m, B, new SplittableRandom(1));
            assertEquals(new Shape(B, (long) k * keep), idx.getShape());
            VisionEncoder.Features masked = model.online()
                    .encoder()
                    .forward(
                            ps,
                            images,
                            idx,
                            k,
                            StochasticDepth.linear(0.1, config.depth(), new SplittableRandom(2)),
                            true);
            assertEquals(new Shape((long) B * k, d), masked.instance().getShape());
            assertEquals(new Shape((long) B * k, keep, d), masked.tokens().getShape());

            NDArray z = model.online().projector().forward(ps, masked.instance(), true);
            assertEquals(new Shape((long) B * k, config.projectorOut()), z.getShape());
            assertEquals(
                    new Shape((long) B * k, config.projectorOut()),
                    model.predictor().forward(ps, z, true).getShape());

            try (Embedder embedder = model.embedder(true)) {
                Embeddings e = embedder.embed(images);
                assertEquals(new Shape(B, d), e.instance().getShape());
                assertEquals(new Shape(B, n, d), e.tokens().getShape());
                assertEquals(new Shape(B, d), e.meanTokens().getShape());
                assertEquals(new Shape(B, config.projectorOut()), e.projection().getShape());
                FloatEmbeddings f = embedder.embed(TinyModels.images(2, SIDE, 3), 2);
                assertEquals(d, f.instance()[0].length);
                assertEquals(n * d, f.tokens()[1].length);
            }
        }
    }

    @Test
    void keptTokensKeepTheirPositionEmbedding() {
        // in a uniform image every patch embeds the same, so only the position embedding tells tokens apart: two views
        // keeping different patches differ only if positions were added before masking, and keeping every patch
        // through the masked path must equal the unmasked forward
        try (ExtremaModel model = ExtremaModel.create(CONFIG);
                NDManager m = model.manager().newSubManager()) {
            ParameterStore ps = model.parameterStore();
            int n = CONFIG.numPatches();
            NDArray uniform = m.full(new Shape(2, 3, SIDE, SIDE), 0.5f);
            long[] cut = new long[2 * 4];
            for (int i = 0; i < 4; i++) {
                cut[i] = i; // image 0 keeps the first row of patches
                cut[4 + i] = n - 4 + i; // image 1 keeps the last row
            }
            NDArray views = model.target()
                    .encoder()
                    .forward(ps, uniform, m.create(cut, new Shape(2, 4)), 1, StochasticDepth.none(), false)
                    .instance();
            assertTrue(views.get(0).sub(views.get(1)).abs().max().getFloat() > 1e-3f);

            NDArray images = batch(m, 4);
            long[] all = new long[B * n];
            for (int i = 0; i < all.length; i++) {
                all[i] = i % n;
            }
            NDArray a = model.target()
                    .encoder()
                    .forward(ps, images, m.create(all, new Shape(B, n)), 1, StochasticDepth.none(), false)
                    .instance();
            NDArray b = model.target()
                    .encoder()
                    .forward(ps, images, null, 1, StochasticDepth.none(), false)
                    .instance();
            assertTrue(a.sub(b).abs().max().getFloat() < 1e-5f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {ExtremaConfig.STEM_PATCH, ExtremaConfig.STEM_CONV})
    void everyTrainableParameterGetsAGradientAndTheTargetNone(String stem) {
        ExtremaConfig config = CONFIG.with("stem", stem);
        try (ExtremaModel model = ExtremaModel.create(config);
                NDManager m = model.manager().newSubManager()) {
            ParameterStore ps = model.parameterStore();
            NDArray images = batch(m, 5);
            NDArray z = model.target()
                    .project(ps, images, null, 1, StochasticDepth.none(), false)
                    .normalize(2, -1);
            NDArray idx = MaskSampler.of(config).sampleArray(m, B, new SplittableRandom(1));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray q = model.online().project(ps, images, idx, config.numMasks(), StochasticDepth.none(), true);
                NDArray p = model.predictor().forward(ps, q, true).normalize(2, -1);
                gc.backward(p.mul(z.repeat(0, config.numMasks()))
                        .sum(new int[] {1})
                        .mul(-2)
                        .add(2)
                        .mean());
            }
            List<String> zero = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : model.trainableParameters().entrySet()) {
                NDArray g = e.getValue().getArray().getGradient();
                g.attach(m);
                if (!(g.abs().sum().getFloat() > 0)) {
                    zero.add(e.getKey());
                }
            }
            assertTrue(zero.isEmpty(), "no gradient reached " + zero);
            assertTrue(model.trainableParameters().size() > 40);
            for (Parameter p : model.targetParameters().values()) {
                assertFalse(p.getArray().hasGradient(), "target parameter has a gradient: " + p.getName());
            }
        }
    }

    @Test
    void emaUpdateMatchesItsFormula() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] images = TinyModels.images(B, SIDE, 6);
            trainer.step(images, images, B); // moves the online branch away from the target
            ExtremaModel model = trainer.model();
            List<float[]> before = snapshot(model.targetParameters());
            List<float[]> online = new ArrayList<>();
            model.online()
                    .getParameters()
                    .forEach(p -> online.add(p.getValue().getArray().toFloatArray()));
            double mom = 0.9;
            model.updateTarget(mom);
            List<float[]> after = snapshot(model.targetParameters());
            boolean moved = false;
            for (int i = 0; i < after.size(); i++) {
                for (int j = 0; j < after.get(i).length; j++) {
                    double expected = mom * before.get(i)[j] + (1 - mom) * online.get(i)[j];
                    assertEquals(expected, after.get(i)[j], 1e-6);
                    moved |= before.get(i)[j] != after.get(i)[j];
                }
            }
            assertTrue(moved);
        }
    }

    @Test
    void lossFallsOnAFixedBatchWithoutCollapse() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] online = TinyModels.images(B, SIDE, 10);
            float[] target = TinyModels.images(B, SIDE, 10);
            List<StepResult> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                StepResult r = trainer.step(online, target, B);
                assertFalse(r.skipped(), () -> "step " + r);
                results.add(r);
            }
            double first = mean(results.subList(0, 5));
            double last = mean(results.subList(35, 40));
            assertTrue(last < 0.7 * first, "loss did not fall: " + first + " -> " + last);
            int falling = 0;
            for (int w = 5; w < 40; w += 5) {
                falling += mean(results.subList(w, w + 5)) < mean(results.subList(w - 5, w)) ? 1 : 0;
            }
            assertTrue(falling >= 5, "loss fell in only " + falling + " of 7 windows");
            StepResult end = results.get(39);
            assertTrue(end.embeddingStd() > 0.3, "target embeddings collapsing: spread " + end.embeddingStd());
            assertEquals(40, trainer.appliedSteps());
            try (Embedder embedder = trainer.model().embedder(true)) {
                FloatEmbeddings f = embedder.embed(online, B);
                double rank = EmbeddingSpread.effectiveRank(f.projection());
                assertTrue(rank > 3, "(measured ≈ 9.8 of at most 16) target projections collapsed to rank " + rank);
            }
        }
    }

    @Test
    void collapseDiagnosticSeesIdenticalImages() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] one = TinyModels.images(1, SIDE, 11);
            float[] same = new float[one.length * B];
            for (int b = 0; b < B; b++) {
                System.arraycopy(one, 0, same, b * one.length, one.length);
            }
            float[] varied = TinyModels.images(B, SIDE, 12);
            assertTrue(trainer.step(same, same, B).embeddingStd() < 1e-3);
            assertTrue(trainer.step(varied, varied, B).embeddingStd() > 0.3);
        }
    }

    @Test
    void stepReturnsTheTargetProjectionsTheEmbedderWouldRecompute() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] online = TinyModels.images(B, SIDE, 13);
            float[] target = TinyModels.images(B, SIDE, 14);
            trainer.step(online, target, B); // from here on the EMA moves the target at the start of each step
            StepResult r = trainer.step(online, target, B);
            assertEquals(EmbeddingSpread.spread(r.targetProjections()), r.embeddingStd(), 0.0);
            try (Embedder embedder = trainer.model().embedder(true)) {
                float[][] again = embedder.embed(target, B).projection(); // [B][P], not normalised
                for (int b = 0; b < B; b++) {
                    assertArrayEquals(Rows.normalised(again[b]), r.targetProjections()[b], 1e-5f);
                }
            }
        }
    }

    @ParameterizedTest // fp16: the loss scale and its overflow count resume too, or the next step would differ
    @ValueSource(strings = {ExtremaConfig.PRECISION_FP32, ExtremaConfig.PRECISION_FP16})
    void checkpointRoundTripResumesExactly(String precision) throws Exception {
        ExtremaConfig config = CONFIG.with("precision", precision);
        float[] images = TinyModels.images(B, SIDE, 20);
        float[] next = TinyModels.images(B, SIDE, 21);
        byte[] saved;
        StepResult uninterrupted;
        List<float[]> weightsAfter;
        try (ExtremaTrainer a = ExtremaTrainer.create(config)) {
            for (int i = 0; i < 3; i++) {
                a.step(images, images, B);
            }
            saved = Checkpoint.toBytes(a);
            uninterrupted = a.step(next, next, B);
            weightsAfter = snapshot(a.model().trainableParameters());
        }
        try (ExtremaTrainer b = ExtremaTrainer.create(config)) {
            b.step(next, images, B); // diverge first so the restore must overwrite everything
            Checkpoint.restore(b, saved);
            StepResult resumed = b.step(next, next, B);
            assertEquals(uninterrupted.step(), resumed.step());
            assertEquals(uninterrupted.loss(), resumed.loss(), 0.0);
            List<float[]> weights = snapshot(b.model().trainableParameters());
            for (int i = 0; i < weights.size(); i++) {
                assertArrayEquals(weightsAfter.get(i), weights.get(i), 1e-6f);
            }
        }
    }

    @Test
    void checkpointFileLoadsOnTheGivenDeviceOnlyForItsOwnConfiguration(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.ckpt");
        float[] images = TinyModels.images(B, SIDE, 22);
        StepResult uninterrupted;
        try (ExtremaTrainer a = ExtremaTrainer.create(CONFIG)) {
            a.step(images, images, B);
            Checkpoint.save(a, file);
            uninterrupted = a.step(images, images, B);
        }
        try (ExtremaTrainer b = Checkpoint.load(file, CONFIG, Device.cpu())) {
            assertEquals(Device.cpu(), b.model().device());
            assertEquals(uninterrupted.loss(), b.step(images, images, B).loss(), 0.0);
        }
        ExtremaConfig wider = CONFIG.with("dim", "48").with("heads", "3");
        ConfigMismatchException e =
                assertThrows(ConfigMismatchException.class, () -> Checkpoint.load(file, wider, Device.cpu()));
        assertTrue(
                e.differences().contains("dim=32 (expected 48)"),
                e.differences().toString());
    }

    @Test
    void corruptOrMismatchedCheckpointFailsClearly() throws Exception {
        try (ExtremaTrainer a = ExtremaTrainer.create(CONFIG)) {
            byte[] saved = Checkpoint.toBytes(a);
            byte[] corrupt = saved.clone();
            corrupt[corrupt.length / 2] ^= 0x10;
            assertTrue(assertThrows(CheckpointException.class, () -> Checkpoint.restore(a, corrupt))
                    .getMessage()
                    .contains("checksum"));
            byte[] truncated = java.util.Arrays.copyOf(saved, saved.length - 100);
            assertThrows(CheckpointException.class, () -> Checkpoint.restore(a, truncated));
            assertTrue(assertThrows(CheckpointException.class, () -> Checkpoint.restore(a, new byte[] {1, 2, 3}))
                    .getMessage()
                    .contains("not an ExtreMA"));
            try (ExtremaTrainer wider =
                    ExtremaTrainer.create(CONFIG.with("dim", "48").with("heads", "3"))) {
                ConfigMismatchException e =
                        assertThrows(ConfigMismatchException.class, () -> Checkpoint.restore(wider, saved));
                assertTrue(e.getMessage().contains("dim=32 (expected 48)"), e.getMessage());
                assertTrue(
                        e.differences().contains("heads=2 (expected 3)"),
                        e.differences().toString());
            }
            assertThrows(CheckpointException.class, () -> Embedder.load(CONFIG, saved)); // wrong kind
        }
    }

    @Test
    void aWarmStartTakesTheWeightsOfACheckpointOrAModelVersionAndNothingElse() throws Exception {
        float[] images = TinyModels.images(B, SIDE, 40);
        try (ExtremaTrainer source = ExtremaTrainer.create(CONFIG);
                NDManager m = NDManager.newBaseManager();
                ExtremaModel fresh = ExtremaModel.create(CONFIG, Device.cpu())) {
            for (int i = 0; i < 3; i++) {
                source.step(images, images, B); // the online branch moves ahead of its EMA target
            }
            NDArray x = batch(m, 41);
            float[] online = classTokens(source.model(), false, x);
            float[] target = classTokens(source.model(), true, x);
            assertFalse(java.util.Arrays.equals(online, target), "the source's branches differ");

            try (ExtremaTrainer b = Checkpoint.warmStart(Checkpoint.toBytes(source), CONFIG, Device.cpu())) {
                assertArrayEquals(online, classTokens(b.model(), false, x));
                assertArrayEquals(target, classTokens(b.model(), true, x));
                assertWeightsEqual(source.model().predictor(), b.model().predictor());
                assertStartsAtStepZero(b);
            }
            try (ExtremaTrainer b = Checkpoint.warmStart(source.model().exportTarget(), CONFIG, Device.cpu())) {
                assertWeightsEqual(source.model().target(), b.model().online());
                // Equal weights; the online branch computes the same forward only to float rounding.
                assertArrayEquals(
                        target, classTokens(b.model(), false, x), 1e-5f, "online encoder from the version's target");
                assertArrayEquals(target, classTokens(b.model(), true, x));
                assertWeightsEqual(fresh.predictor(), b.model().predictor());
                assertStartsAtStepZero(b);
            }

            ExtremaConfig wider = CONFIG.with("dim", "48").with("heads", "3");
            for (byte[] weights :
                    List.of(Checkpoint.toBytes(source), source.model().exportTarget())) {
                ConfigMismatchException e = assertThrows(
                        ConfigMismatchException.class, () -> Checkpoint.warmStart(weights, wider, Device.cpu()));
                assertTrue(
                        e.differences().contains("dim=32 (expected 48)"),
                        e.differences().toString());
            }
        }
    }

    private static float[] classTokens(ExtremaModel model, boolean target, NDArray images) {
        try (Embedder embedder = model.embedder(target)) {
            return embedder.embed(images).instance().toFloatArray();
        }
    }

    private static void assertWeightsEqual(Block expected, Block actual) {
        var want = expected.getParameters();
        var have = actual.getParameters();
        assertEquals(want.size(), have.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(
                    want.get(i).getValue().getArray().toFloatArray(),
                    have.get(i).getValue().getArray().toFloatArray(),
                    want.get(i).getKey());
        }
    }

    /** Counters at zero and AdamW's moments empty: the schedules start again. */
    private static void assertStartsAtStepZero(ExtremaTrainer trainer) {
        assertEquals(0, trainer.appliedSteps());
        assertEquals(0, trainer.skippedSteps());
        for (NDArray moment : trainer.optimizer().moments().values()) {
            assertEquals(0f, moment.abs().max().getFloat());
        }
    }

    @Test
    void exportedTargetWeightsEmbedLikeTheModel() throws Exception {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG);
                NDManager m = NDManager.newBaseManager()) {
            float[] images = TinyModels.images(B, SIDE, 30);
            trainer.step(images, images, B);
            byte[] weights = trainer.model().exportTarget();
            NDArray x = batch(m, 31);
            try (Embedder live = trainer.model().embedder(true);
                    Embedder loaded = Embedder.load(CONFIG, weights);
                    Embedder ownConfig = Embedder.load(weights)) {
                assertEquals(CONFIG, ownConfig.config());
                NDArray a = live.embed(x).instance();
                assertTrue(a.sub(loaded.embed(x).instance()).abs().max().getFloat() < 1e-6f);
                assertTrue(a.sub(ownConfig.embed(x).instance()).abs().max().getFloat() < 1e-6f);
            }
        }
    }

    @Test
    void embeddingManyImagesInBatchesGivesEachImageItsOwnRow() {
        try (ExtremaModel model = ExtremaModel.create(CONFIG);
                Embedder embedder = model.embedder(true)) {
            float[] flat = TinyModels.images(B, SIDE, 32);
            float[][] images = Rows.split(flat, B);
            // 5 does not divide 16: the last batch is short. The class token does not depend on the batch.
            List<float[][]> f = embedder.embedAll(images, 5, List.of(Embeddings::instance, Embeddings::meanTokens));
            FloatEmbeddings whole = embedder.embed(flat, B);
            for (int i = 0; i < B; i++) {
                assertArrayEquals(whole.instance()[i], f.get(0)[i], 1e-5f);
                assertArrayEquals(whole.meanTokens()[i], f.get(1)[i], 1e-5f);
            }
        }
    }

    @Test
    void weightDecaySkipsBiasesNormsAndTheClassToken() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] images = TinyModels.images(B, SIDE, 40);
            trainer.step(images, images, B); // leaves zeroed gradients behind
            ExtremaModel model = trainer.model();
            for (String name : trainer.optimizer().decayed()) {
                assertFalse(
                        name.endsWith("bias")
                                || name.endsWith("gamma")
                                || name.endsWith("beta")
                                || name.endsWith("cls_token")
                                || name.contains("gamma"),
                        name);
            }
            assertTrue(trainer.optimizer().decayed().stream().anyMatch(n -> n.endsWith("weight")));
            // with zero gradients AdamW's step is pure decay: decayed weights shrink by (1 − lr·wd), the rest stay put
            AdamW decayOnly = new AdamW(model.manager(), 0.9, 0.95, 1e-8, 0.5);
            model.trainableParameters().forEach((n, p) -> decayOnly.add(n, p, ExtremaModel.decays(n, p), 1.0));
            Map<String, float[]> before = new LinkedHashMap<>();
            model.trainableParameters()
                    .forEach((n, p) -> before.put(n, p.getArray().toFloatArray()));
            try (NDManager scope = model.manager().newSubManager()) {
                decayOnly.step(decayOnly.flatGradients(scope), 0.1, 1.0);
            }
            int excluded = 0;
            for (Map.Entry<String, Parameter> e : model.trainableParameters().entrySet()) {
                float[] now = e.getValue().getArray().toFloatArray();
                float[] was = before.get(e.getKey());
                boolean decays = ExtremaModel.decays(e.getKey(), e.getValue());
                for (int i = 0; i < now.length; i++) {
                    assertEquals(decays ? was[i] * 0.95f : was[i], now[i], 1e-6f, e.getKey());
                }
                excluded += decays ? 0 : 1;
            }
            assertTrue(excluded > 10);
            assertTrue(model.trainableParameters().keySet().stream()
                    .anyMatch(n -> n.endsWith("cls_token")
                            && !ExtremaModel.decays(
                                    n, model.trainableParameters().get(n))));
        }
    }

    @Test
    void stepsLeaveNoArraysInTheModelsManager() {
        // every per-step tensor lives in a sub-manager closed at the end of the step; one left in the model's manager
        // per parameter per step grew a streaming trainer's native memory by ~30 MB a minute
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] images = TinyModels.images(B, SIDE, 12);
            trainer.step(images, images, B);
            int after1 = trainer.model().manager().getManagedArrays().size();
            for (int i = 0; i < 10; i++) {
                trainer.step(images, images, B);
            }
            float[] nan = images.clone();
            nan[0] = Float.NaN; // the skip path too
            trainer.step(nan, images, B);
            assertEquals(after1, trainer.model().manager().getManagedArrays().size());
        }
    }

    @Test
    void nanInputIsSkippedNotApplied() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            float[] images = TinyModels.images(B, SIDE, 50);
            trainer.step(images, images, B);
            List<float[]> online = snapshot(trainer.model().trainableParameters());
            List<float[]> target = snapshot(trainer.model().targetParameters());
            float[] bad = images.clone();
            bad[123] = Float.NaN;
            StepResult r = trainer.step(bad, images, B);
            assertTrue(r.skipped());
            assertNull(r.targetProjections(), "the target never ran on the bad batch");
            assertEquals(1, r.skippedTotal());
            assertEquals(1, trainer.appliedSteps());
            List<float[]> online2 = snapshot(trainer.model().trainableParameters());
            List<float[]> target2 = snapshot(trainer.model().targetParameters());
            for (int i = 0; i < online.size(); i++) {
                assertArrayEquals(online.get(i), online2.get(i));
            }
            for (int i = 0; i < target.size(); i++) {
                assertArrayEquals(target.get(i), target2.get(i));
            }
            StepResult after = trainer.step(images, images, B);
            assertFalse(after.skipped());
            assertTrue(Double.isFinite(after.loss()));
            assertNotEquals(0.0, after.gradNorm());
        }
    }

    private static List<float[]> snapshot(Map<String, Parameter> params) {
        List<float[]> list = new ArrayList<>();
        params.values().forEach(p -> list.add(p.getArray().toFloatArray()));
        return list;
    }

    private static double mean(List<StepResult> results) {
        return results.stream().mapToDouble(StepResult::loss).average().orElseThrow();
    }
}
