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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedding processor on one stream thread. When it asks for a commit: after a batch while the thread keeps up
 * (the embeddings become visible at once), at most one per 100 ms, at the punctuation once 100 ms have passed if a
 * batch waits for it, and never while it is behind (the commit interval paces a backlog). When it cuts a partial
 * batch: a linger after the oldest image was produced, crediting at most one linger spent on the topic. And its
 * batches on inference threads: every image comes back once, a small batch does not wait for a large one cut before
 * it, a thread with every batch out waits for one, and a task closed while its images are in flight forwards none
 * of them. Real libtorch, a tiny network.
 */
class BatchEmbedProcessorTest {
    private static final int BATCH = 4;
    private static final long LINGER = 20;
    private static final long MAX_WAIT = 500;

    private final ServingMetrics metrics = new ServingMetrics();
    private final LiveModel live = new LiveModel(metrics);
    private final MockProcessorContext<String, EmbeddingRecord> context = new MockProcessorContext<>();
    private final ImagePreparation preparation = new ServingConfig(Map.of()).imagePreparation();
    private BatchEmbedProcessor processor;
    private InferenceWorkers workers = InferenceWorkers.inline(metrics);

    @AfterEach
    void close() throws InterruptedException {
        if (processor != null) {
            processor.close();
        }
        workers.close();
        live.close();
        metrics.close();
    }

    private void start() throws IOException {
        start(BATCH);
    }

    private void start(int batch) throws IOException {
        live.swap(ServingModel.load(ServingFixtures.modelVersion("commit", 1, 1)));
        processor = processor(context, batch);
    }

    /** A processor (a task) on this thread, with its own buffer store, in {@code context}. */
    private BatchEmbedProcessor processor(MockProcessorContext<String, EmbeddingRecord> context) {
        return processor(context, BATCH);
    }

    private BatchEmbedProcessor processor(MockProcessorContext<String, EmbeddingRecord> context, int batch) {
        TimestampedKeyValueStore<Long, ImageRecord> buffer = Stores.timestampedKeyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(BatchEmbedProcessor.BUFFER_STORE),
                        Serdes.Long(),
                        Serdes.serdeFrom((t, v) -> new byte[0], (t, b) -> (ImageRecord) null))
                .withLoggingDisabled()
                .build();
        buffer.init(context.getStateStoreContext(), buffer);
        context.addStateStore(buffer);
        BatchEmbedProcessor p = new BatchEmbedProcessor(
                live,
                workers,
                preparation,
                new EmbeddingOutput(false, false, false),
                new BatchRule(batch, Duration.ofMillis(LINGER), Duration.ofMillis(MAX_WAIT), Duration.ofMillis(100)));
        p.init(context);
        return p;
    }

    private void pipe(int count, long producedMs) {
        pipe(processor, 0, count, producedMs);
    }

    private void pipe(BatchEmbedProcessor to, int from, int count, long producedMs) {
        for (int i = from; i < from + count; i++) {
            ImageRecord image = ServingFixtures.image("id" + i, ServingFixtures.jpeg(i));
            to.process(
                    new Record<>("id" + i, new PreparedImage(image, 32, preparation.prepare(image, 32)), producedMs));
        }
    }

    /** Runs the processor's punctuation (as the stream thread does every few ms) until {@code count} are forwarded. */
    private void punctuateUntilForwarded(MockProcessorContext<String, EmbeddingRecord> on, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (on.forwarded().size() < count && System.nanoTime() < deadline) {
            punctuate(on, on.currentSystemTimeMs());
            Thread.sleep(5);
        }
    }

    /** Runs the processor's punctuation once, as the stream thread does every few ms. */
    private static void punctuate(MockProcessorContext<String, EmbeddingRecord> on, long nowMs) {
        on.scheduledPunctuators().get(0).getPunctuator().punctuate(nowMs);
    }

    private final Comparator<String> ids = Comparator.comparingInt(id -> Integer.parseInt(id.substring(2)));

    private static List<String> forwardedKeys(MockProcessorContext<String, EmbeddingRecord> on) {
        return on.forwarded().stream().<String>map(f -> f.record().key()).toList();
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
        punctuate(context, 100_100);
        assertTrue(context.committed(), "100 ms after the last, with no batch since: the punctuation commits it");

        context.resetCommit();
        punctuate(context, 100_300);
        assertFalse(context.committed(), "nothing forwarded since the last commit: nothing to commit");
        context.setCurrentSystemTimeMs(100_300);
        pipe(BATCH, 100_300);
        assertTrue(context.committed(), "200 ms after the last: a fresh batch is committed at once");
    }

    @Test
    void theLingerCountsFromWhenAnImageWasProducedAtMostOneLingerBack() throws IOException {
        start();
        context.setCurrentSystemTimeMs(100_000);
        pipe(1, 100_000 - LINGER); // held a whole linger at the broker by the consumer's fetch wait
        punctuate(context, 100_000);
        assertEquals(1, context.forwarded().size(), "produced a linger ago: cut at its first punctuation");

        pipe(processor, 1, 1, 100_000); // fresh
        punctuate(context, 100_000 + LINGER - 1);
        assertEquals(1, context.forwarded().size(), "a fresh image waits its linger here");
        punctuate(context, 100_000 + LINGER);
        assertEquals(2, context.forwarded().size());

        context.setCurrentSystemTimeMs(101_000);
        pipe(processor, 2, 1, 102_000); // a producer clock a second ahead: no credit, not held longer either
        punctuate(context, 101_000 + LINGER - 1);
        assertEquals(2, context.forwarded().size());
        punctuate(context, 101_000 + LINGER);
        assertEquals(3, context.forwarded().size(), "a timestamp ahead of the clock waits one linger, no more");
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

    @Test
    void batchesOnInferenceThreadsBringBackEveryImageOnce() throws Exception {
        workers = InferenceWorkers.of(2, 1, metrics);
        start();
        context.setCurrentSystemTimeMs(100_000);
        pipe(3 * BATCH, 100_000);
        punctuateUntilForwarded(context, 3 * BATCH);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3 * BATCH; i++) {
            expected.add("id" + i);
        }
        assertEquals(expected, forwardedKeys(context).stream().sorted(ids).toList(), "every image once");
        assertEquals(3.0, metrics.value("batches-total"));
    }

    @Test
    void aSmallBatchDoesNotWaitForALargeOneCutBeforeIt() throws Exception {
        int large = 512;
        workers = InferenceWorkers.of(2, 1, metrics);
        start(large);
        context.setCurrentSystemTimeMs(100_000);
        pipe(large, 100_000); // full: out at once, on one worker
        pipe(processor, large, 1, 100_000);
        context.setCurrentSystemTimeMs(100_000 + LINGER); // the single image has lingered: out on the other
        punctuateUntilForwarded(context, 1);
        assertEquals(
                "id" + large,
                forwardedKeys(context).get(0),
                "the one-image batch came back while the " + large + "-image batch still ran");
        assertEquals(1, context.forwarded().size(), "and only it");
        punctuateUntilForwarded(context, large + 1);
        assertEquals(large + 1, context.forwarded().size());
    }

    @Test
    void aThreadWithEveryBatchOutWaitsForOneBeforeTakingMore() throws Exception {
        workers = InferenceWorkers.of(1, 1, metrics); // one batch in flight at most
        start();
        context.setCurrentSystemTimeMs(100_000);
        pipe(2 * BATCH, 100_000);
        // The second full batch found the first still out: the thread waited for it and forwarded it.
        assertTrue(
                context.forwarded().size() >= BATCH,
                "forwarded " + context.forwarded().size());
        punctuateUntilForwarded(context, 2 * BATCH);
        assertEquals(2 * BATCH, context.forwarded().size());
    }

    @Test
    void aTaskClosedWhileItsImagesAreInFlightForwardsNoneAndTheOthersGoOn() throws Exception {
        workers = InferenceWorkers.of(1, 1, metrics);
        start();
        MockProcessorContext<String, EmbeddingRecord> otherContext = new MockProcessorContext<>();
        BatchEmbedProcessor other = processor(otherContext);
        context.setCurrentSystemTimeMs(100_000);
        otherContext.setCurrentSystemTimeMs(100_000);
        pipe(processor, 0, BATCH, 100_000); // a full batch of the first task goes out
        processor.close(); // its partition moves away while the batch runs
        pipe(other, BATCH, BATCH, 100_000);
        punctuateUntilForwarded(otherContext, BATCH);
        other.close();
        assertEquals(List.of(), forwardedKeys(context), "the closed task's images stay in its buffer, unforwarded");
        assertEquals(List.of("id4", "id5", "id6", "id7"), forwardedKeys(otherContext));
    }
}
