package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.extrema.model.nn.BatchStatNorm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code headNorm=batch} option: heads normalised with batch statistics still train every head parameter. */
class BatchNormHeadsTest {

    private static final ExtremaConfig CONFIG = TinyModels.config().with("headNorm", ExtremaConfig.HEAD_BATCH_NORM);
    private static final int B = 16;

    @Test
    void normalisesEachColumnOverTheBatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            BatchStatNorm norm = new BatchStatNorm(8);
            norm.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(B, 8));
            NDArray x = m.randomNormal(3f, 5f, new Shape(B, 8), ai.djl.ndarray.types.DataType.FLOAT32);
            NDArray y = norm.forward(new ai.djl.training.ParameterStore(m, false), x, false);
            float[] mean = y.mean(new int[] {0}).toFloatArray();
            float[] var = y.square().mean(new int[] {0}).toFloatArray();
            for (int c = 0; c < 8; c++) {
                assertEquals(0, mean[c], 1e-4);
                assertEquals(1, var[c], 1e-3);
            }
        }
    }

    @Test
    void batchNormHeadsTrainWithoutSkipsAndTheLossFalls() {
        try (ExtremaTrainer trainer = ExtremaTrainer.create(CONFIG)) {
            assertTrue(
                    trainer.model().trainableParameters().keySet().stream().anyMatch(k -> k.endsWith("gamma")),
                    "the heads carry BatchNorm gains");
            float[] images = TinyModels.images(B, CONFIG.imageSize(), 10);
            List<StepResult> results = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                StepResult r = trainer.step(images, images, B);
                assertFalse(r.skipped(), () -> "step " + r);
                results.add(r);
            }
            double first = results.subList(0, 5).stream()
                    .mapToDouble(StepResult::loss)
                    .average()
                    .orElseThrow();
            double last = results.subList(25, 30).stream()
                    .mapToDouble(StepResult::loss)
                    .average()
                    .orElseThrow();
            assertTrue(last < 0.8 * first, "loss did not fall: " + first + " -> " + last);
            StepResult end = results.get(29);
            assertTrue(end.embeddingStd() > 0.3, "collapsing: spread " + end.embeddingStd());
        }
    }
}
