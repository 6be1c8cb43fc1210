package io.extrema.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.serving.monitor.PrometheusText;
import io.extrema.trainer.metrics.TrainerMetric;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardMetricsTest {

    @Test
    void trainerFiguresAreReExportedWithTheTrainersTypeAndHelp() {
        Map<String, Object> record = new HashMap<>();
        record.put("model", "run-1");
        record.put("step", 40L);
        record.put("embeddingStd", 0.93);
        record.put("probe", null); // not measured yet: no sample
        PrometheusText out = new PrometheusText();
        DashboardServer.trainerMetrics(out, record);
        String text = out.toString();
        assertTrue(
                text.contains("# HELP extrema_trainer_step " + TrainerMetric.STEP.help() + "\n"
                        + "# TYPE extrema_trainer_step counter\nextrema_trainer_step{model=\"run-1\"} 40\n"),
                text);
        assertTrue(text.contains("# HELP extrema_trainer_embedding_std " + TrainerMetric.EMBEDDING_STD.help()), text);
        assertFalse(text.contains("extrema_trainer_probe_accuracy"), text);
    }
}
