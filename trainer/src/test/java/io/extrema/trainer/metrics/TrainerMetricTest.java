package io.extrema.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
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
}
