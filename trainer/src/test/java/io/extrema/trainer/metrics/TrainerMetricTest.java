package io.extrema.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.trainer.intake.IntakeCounters;
import io.extrema.trainer.intake.IntakeState;
import io.extrema.trainer.offsets.OffsetLedger;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayPolicy;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainerMetricTest {

    @Test
    void namesAreUniqueAndWellFormed() {
        List<String> names = Arrays.stream(TrainerMetric.values())
                .map(TrainerMetric::metricName)
                .toList();
        assertEquals(names.size(), names.stream().distinct().count(), names.toString());
        for (TrainerMetric m : TrainerMetric.values()) {
            assertTrue(m.metricName().matches("[a-z_]+"), m.metricName());
            assertTrue(!m.help().isBlank() && !m.help().contains("\n"), m.name());
        }
    }

    @Test
    void theEndpointRendersTheCatalogueTypeAndHelp() {
        String text = PrometheusEndpoint.render(
                List.of(TrainerMetric.STEP.sample(12), TrainerMetric.EMBEDDING_STD.sample(0.9)));
        assertTrue(text.contains("# TYPE extrema_trainer_step counter\nextrema_trainer_step 12.0\n"), text);
        assertTrue(text.contains("# HELP extrema_trainer_embedding_std " + TrainerMetric.EMBEDDING_STD.help()), text);
        assertTrue(TrainerMetric.EMBEDDING_STD.help().contains("sqrt(P)"), "the help states the scale");
    }

    @Test
    void theLossScaleAndTheOverflowCountAreServedFromTheLatestRecord() {
        IntakeState intake = new IntakeState(
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 8, Long.MAX_VALUE, 1, 1, new Random(1), x -> {}),
                new OffsetLedger(),
                new IntakeCounters());
        TrainingMetrics fp16 = record(16384.0, 2);
        String half = PrometheusEndpoint.render(new TrainerSamples(() -> fp16, intake, 0).get());
        assertTrue(half.contains("\nextrema_trainer_loss_scale 16384.0\n"), half);
        assertTrue(
                half.contains("# TYPE extrema_trainer_overflow_steps counter\nextrema_trainer_overflow_steps 2.0\n"),
                half);
        TrainingMetrics fp32 = record(null, 0);
        String full = PrometheusEndpoint.render(new TrainerSamples(() -> fp32, intake, 0).get());
        assertTrue(full.contains("\nextrema_trainer_loss_scale 1.0\n"), "nothing is scaled in fp32: " + full);
    }

    private static TrainingMetrics record(Double lossScale, long overflows) {
        return TrainingMetrics.newBuilder()
                .setModelName("m")
                .setStep(10)
                .setTime(Instant.EPOCH)
                .setLoss(1)
                .setLearningRate(1e-4)
                .setMomentum(0.99)
                .setImagesConsumedPerSec(1)
                .setImagesTrainedPerSec(1)
                .setReplayFill(1)
                .setReplayCapacity(8)
                .setReplayReuse(0)
                .setSkippedSteps(overflows)
                .setOverflowSteps(overflows)
                .setLossScale(lossScale)
                .setEmbeddingStd(1)
                .setConsumerLag(0)
                .build();
    }
}
