package io.extrema.ops.train;

import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.trainer.StreamingTrainer;
import java.util.Locale;

/** The trainer's part of a status line, the same in {@code extrema train} and the demo. */
public final class TrainingStatus {

    private TrainingStatus() {}

    /** {@code step 420  loss 0.5123  12 img/s trained  | probe k-NN 31.2 %} from the latest metrics record. */
    public static String of(TrainingMetrics latest) {
        if (latest == null) return "trainer: filling the replay buffer";
        double loss = latest.getLoss();
        Double probe = latest.getProbeAccuracy();
        return String.format(
                Locale.ROOT,
                "step %d  loss %s  %.0f img/s trained  | probe k-NN %s",
                latest.getStep(),
                Double.isFinite(loss) ? String.format(Locale.ROOT, "%.4f", loss) : "-",
                latest.getImagesTrainedPerSec(),
                probe == null ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * probe));
    }

    /** {@code extrema train}'s line: the metrics, the replay buffer, the consumer lag and the latest version. */
    static String of(StreamingTrainer.Status status) {
        TrainingMetrics latest = status.latest();
        String intake = String.format(
                Locale.ROOT,
                "  | replay %d/%d images  | lag %d",
                status.replayFill(),
                status.replayCapacity(),
                status.lag());
        if (latest == null) {
            return (status.replayFill() < status.replayMinFill()
                            ? "waiting for images: training starts at " + status.replayMinFill()
                                    + " in the replay buffer"
                            : "training: first steps")
                    + intake;
        }
        return of(latest)
                + intake
                + (latest.getModelVersion() < 1 ? "" : "  | latest version v" + latest.getModelVersion());
    }
}
