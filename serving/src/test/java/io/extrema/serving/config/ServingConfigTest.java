package io.extrema.serving.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServingConfigTest {

    private static int streamThreads(Map<String, String> settings) {
        return new ServingConfig(settings).streamThreads();
    }

    @Test
    void oneStreamThreadFeedsUpToFourInferenceThreadsByDefault() {
        assertEquals(1, streamThreads(Map.of(ServingConfig.INFERENCE_THREADS, "1")));
        assertEquals(1, streamThreads(Map.of(ServingConfig.INFERENCE_THREADS, "4")));
        assertEquals(2, streamThreads(Map.of(ServingConfig.INFERENCE_THREADS, "5")));
        assertEquals(4, streamThreads(Map.of(ServingConfig.INFERENCE_THREADS, "16")));
        assertEquals(
                3, streamThreads(Map.of(ServingConfig.INFERENCE_THREADS, "16", ServingConfig.STREAM_THREADS, "3")));
    }

    @Test
    void theBatchRuleCarriesEveryBatchSetting() {
        ServingConfig config = new ServingConfig(Map.of(
                ServingConfig.BATCH_SIZE, "16",
                ServingConfig.BATCH_LINGER_MS, "30",
                ServingConfig.BATCH_MAX_WAIT_MS, "700",
                ServingConfig.BATCH_COMMIT_SPACING_MS, "250"));
        assertEquals(16, config.batchRule().size());
        assertEquals(Duration.ofMillis(30), config.batchRule().linger());
        assertEquals(Duration.ofMillis(700), config.batchRule().maxWait());
        assertEquals(Duration.ofMillis(250), config.batchRule().commitSpacing());
    }
}
