package io.extrema.ops.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.trainer.StreamingTrainer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code extrema train}'s status line says while it trains: it printed nothing for ten minutes before. */
class TrainingStatusTest {

    private static TrainingMetrics metrics(long step, double loss, Double probe, long version) {
        return TrainingMetrics.newBuilder()
                .setModelName("extrema")
                .setStep(step)
                .setTime(Instant.EPOCH)
                .setLoss(loss)
                .setLearningRate(1e-4)
                .setMomentum(0.99)
                .setImagesConsumedPerSec(30)
                .setImagesTrainedPerSec(120.4)
                .setReplayFill(900)
                .setReplayCapacity(4096)
                .setReplayReuse(3)
                .setSkippedSteps(0)
                .setEmbeddingStd(0.06)
                .setConsumerLag(0)
                .setModelVersion(version)
                .setProbeAccuracy(probe)
                .setExtra(Map.of())
                .build();
    }

    @Test
    void beforeTheFirstMetricsItSaysWhatItWaitsFor() {
        assertEquals(
                "waiting for images: training starts at 64 in the replay buffer  | replay 12/4096 images  | lag 3",
                TrainingStatus.of(new StreamingTrainer.Status(null, 12, 64, 4096, 3)));
        assertEquals(
                "training: first steps  | replay 64/4096 images  | lag 0",
                TrainingStatus.of(new StreamingTrainer.Status(null, 64, 64, 4096, 0)));
    }

    @Test
    void thenStepLossSpeedProbeBufferLagAndTheLatestVersion() {
        assertEquals(
                "step 420  loss 0.5123  120 img/s trained  | probe k-NN -  | replay 900/4096 images  | lag 0",
                TrainingStatus.of(new StreamingTrainer.Status(metrics(420, 0.51234, null, 0), 900, 64, 4096, 0)));
        assertEquals(
                "step 1000  loss 0.4000  120 img/s trained  | probe k-NN 31.2 %  | replay 900/4096 images  | lag 7"
                        + "  | latest version v2",
                TrainingStatus.of(new StreamingTrainer.Status(metrics(1000, 0.4, 0.3123, 2), 900, 64, 4096, 7)));
    }
}
