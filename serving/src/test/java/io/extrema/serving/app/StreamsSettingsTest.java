package io.extrema.serving.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.embed.BatchEmbedProcessor;
import io.extrema.serving.metrics.ServingMetrics;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The Kafka Streams settings the service derives from its own, where one part of the design depends on another. */
class StreamsSettingsTest {

    private static Object streams(Map<String, String> settings, String key) {
        return EmbeddingService.streamsConfig(new ServingConfig(settings), new ServingMetrics())
                .get(key);
    }

    @Test
    void theStreamThreadPollsNoLongerThanTheProcessorsPunctuationPeriodUnlessTheUserSaysOtherwise() {
        // Kafka Streams' 100 ms default held finished batches and due commits back by up to 100 ms.
        assertEquals(5L, streams(Map.of(), StreamsConfig.POLL_MS_CONFIG));
        assertEquals(
                BatchEmbedProcessor.punctuationPeriod(new ServingConfig(Map.of()).batchRule())
                        .toMillis(),
                streams(Map.of(), StreamsConfig.POLL_MS_CONFIG));
        assertEquals(2L, streams(Map.of(ServingConfig.BATCH_LINGER_MS, "2"), StreamsConfig.POLL_MS_CONFIG));
        assertEquals("50", streams(Map.of("kafka.poll.ms", "50"), StreamsConfig.POLL_MS_CONFIG));
    }
}
