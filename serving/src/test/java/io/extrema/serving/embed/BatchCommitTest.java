package io.extrema.serving.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.serving.ServingFixtures;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.ServingMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the embedding processor asks for a commit: after a batch while the thread keeps up (the embeddings become
 * visible at once), at most one per 100 ms, and never while it is behind (the commit interval paces a backlog).
 * Real libtorch, a tiny network.
 */
class BatchCommitTest {
    private static final int BATCH = 4;
    private static final long MAX_WAIT = 500;

    private final ServingMetrics metrics = new ServingMetrics();
    private final LiveModel live = new LiveModel(metrics);
    private final MockProcessorContext<String, EmbeddingRecord> context = new MockProcessorContext<>();
    private final ImagePreparation preparation = new ServingConfig(Map.of()).imagePreparation();
    private BatchEmbedProcessor processor;

    @AfterEach
    void close() {
        if (processor != null) {
            processor.close();
        }
        live.close();
        metrics.close();
    }

    private void start() throws IOException {
        live.swap(ServingModel.load(ServingFixtures.modelVersion("commit", 1, 1)));
        TimestampedKeyValueStore<Long, ImageRecord> buffer = Stores.timestampedKeyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(BatchEmbedProcessor.BUFFER_STORE),
                        Serdes.Long(),
                        Serdes.serdeFrom((t, v) -> new byte[0], (t, b) -> (ImageRecord) null))
                .withLoggingDisabled()
                .build();
        buffer.init(context.getStateStoreContext(), buffer);
        context.addStateStore(buffer);
        processor = new BatchEmbedProcessor(
                live,
                preparation,
                new EmbeddingOutput(false, false, false),
                metrics,
                BATCH,
                Duration.ofMillis(20),
                Duration.ofMillis(MAX_WAIT));
        processor.init(context);
    }

    private void pipe(int count, long producedMs) {
        for (int i = 0; i < count; i++) {
            ImageRecord image = ServingFixtures.image("id" + i, ServingFixtures.jpeg(i));
            processor.process(
                    new Record<>("id" + i, new PreparedImage(image, 32, preparation.prepare(image, 32)), producedMs));
        }
    }

    @Test
    void keepingUpEachBatchAsksForACommit() throws IOException {
        start();
        context.setCurrentSystemTimeMs(100_000);
        pipe(BATCH - 1, 100_000);
        assertFalse(context.committed(), "nothing embedded yet, nothing to make visible");
        pipe(1, 100_000);
        assertEquals(BATCH, context.forwarded().size());
        assertTrue(context.committed(), "a full batch of fresh images is committed at once");

        context.resetCommit();
        context.setCurrentSystemTimeMs(100_050);
        pipe(BATCH, 100_050);
        assertEquals(2 * BATCH, context.forwarded().size());
        assertFalse(context.committed(), "50 ms after the last: this batch waits for the next commit");
        context.setCurrentSystemTimeMs(100_100);
        pipe(BATCH, 100_100);
        assertTrue(context.committed(), "100 ms after the last: committed again");
    }

    @Test
    void behindTheStreamBatchesWaitForTheCommitInterval() throws IOException {
        start();
        context.setCurrentSystemTimeMs(100_000);
        pipe(BATCH, 100_000 - MAX_WAIT - 1);
        assertEquals(BATCH, context.forwarded().size());
        assertFalse(
                context.committed(), "images produced longer ago than the max wait: a backlog, no commit per batch");
    }
}
