package io.extrema.serving.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.model.Embedder;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.FloatEmbeddings;
import io.extrema.model.bench.LabelledImages;
import io.extrema.model.checkpoint.TensorArchive;
import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.serving.ServingFixtures;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.embed.EmbeddingOutput;
import io.extrema.serving.embed.ImagePreparation;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.live.ServingModel;
import io.extrema.serving.metrics.ServingMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The collapse rule at its default threshold on what serving really emits: cifar-tiny networks loaded as serving
 * loads a model version, embedding the shipped CIFAR-10 test images through serving's image preparation and
 * output, summed in windows of 50 as the monitor sums them and judged by its rules. Real libtorch.
 *
 * <p>Measured (spread * sqrt(d) per window): the shipped trained network 0.107-0.187, a fresh one 0.37-0.59, the
 * shipped network with its patch embedding scaled by 1e-4 (k-NN at chance) 8e-5-1.1e-4, scaled by 0 (one embedding
 * for every image) 1e-8. The default threshold, 0.005, is at least 20x from both sides; the tests ask for 10x.
 */
class CollapseAlertOnServedEmbeddingsTest {
    // Surefire runs in the module folder; the sample and the warm start ship once, at the project root.
    private static final Path DATA = Path.of("..", "data");
    private static final int WINDOW = 50;
    private static final double MARGIN = 10;
    private static final ExtremaConfig PRESET = ExtremaConfig.cifarTiny();
    private static final AlertThresholds DEFAULTS = new MonitorConfig(Map.of()).thresholds();
    private static final ServingConfig SERVING = new ServingConfig(Map.of());

    private static List<byte[]> images;
    private static byte[] shipped;

    @BeforeAll
    static void load() throws IOException {
        images = LabelledImages.load(DATA.resolve("cifar10-sample/test.tar.gz")).jpegs();
        shipped = Files.readAllBytes(DATA.resolve("warm-start/cifar-tiny.weights"));
    }

    @Test
    void theShippedTrainedNetworkRaisesNoCollapseAlertOnRealImages() throws IOException {
        assertHealthy("shipped trained network", windows(version("shipped", shipped)));
    }

    @Test
    void aFreshNetworkRaisesNoCollapseAlertOnRealImages() {
        assertHealthy("fresh network", windows(ServingModel.fresh("fresh", PRESET)));
    }

    @Test
    void aNetworkThatMapsEveryImageToOneEmbeddingRaisesTheCollapseAlert() throws IOException {
        assertCollapsed("patch embedding x 0", windows(version("one-embedding", shippedWithPatchEmbeddingTimes(0f))));
    }

    @Test
    void aNetworkAllButBlindToItsInputRaisesTheCollapseAlert() throws IOException {
        assertCollapsed(
                "patch embedding x 1e-4", windows(version("all-but-blind", shippedWithPatchEmbeddingTimes(1e-4f))));
    }

    private static void assertHealthy(String network, List<MonitorRecord> windows) {
        AlertRules rules = new AlertRules(DEFAULTS);
        for (MonitorRecord w : windows) {
            assertTrue(collapse(rules, w).isEmpty(), network + ": " + collapse(rules, w));
            assertTrue(
                    ratio(w) >= MARGIN * DEFAULTS.collapseSpreadRatio(),
                    network + ": spread*sqrt(d) " + ratio(w) + " within " + MARGIN + "x of the threshold");
        }
    }

    private static void assertCollapsed(String network, List<MonitorRecord> windows) {
        AlertRules rules = new AlertRules(DEFAULTS);
        for (MonitorRecord w : windows) {
            assertEquals(1, collapse(rules, w).size(), network + ": no collapse alert at " + ratio(w));
            assertTrue(
                    ratio(w) <= DEFAULTS.collapseSpreadRatio() / MARGIN,
                    network + ": spread*sqrt(d) " + ratio(w) + " within " + MARGIN + "x of the threshold");
        }
    }

    private static List<AlertRecord> collapse(AlertRules rules, MonitorRecord window) {
        return rules.forWindow(window).stream()
                .filter(a -> a.getRule().equals(AlertRules.COLLAPSE))
                .toList();
    }

    private static double ratio(MonitorRecord w) {
        return w.getSpread() * Math.sqrt(w.getDimension());
    }

    /** The monitor's record of each window of {@link #WINDOW} test images as serving embeds them with {@code model}. */
    private static List<MonitorRecord> windows(ServingModel model) {
        ImagePreparation preparation = SERVING.imagePreparation();
        EmbeddingOutput output = SERVING.embeddingOutput();
        int side = model.config().imageSize();
        int plane = 3 * side * side;
        List<MonitorRecord> windows = new ArrayList<>();
        try (ServingMetrics metrics = new ServingMetrics();
                LiveModel live = new LiveModel(metrics)) {
            live.swap(model);
            try (ServingModel.Lease lease = live.lease().orElseThrow()) {
                for (int start = 0; start + WINDOW <= images.size(); start += WINDOW) {
                    List<ImageRecord> records = new ArrayList<>(WINDOW);
                    float[] chw = new float[WINDOW * plane]; // [B, 3, S, S]
                    for (int i = 0; i < WINDOW; i++) {
                        ImageRecord image = ServingFixtures.image("test-" + (start + i), images.get(start + i));
                        records.add(image);
                        System.arraycopy(preparation.prepare(image, side), 0, chw, i * plane, plane);
                    }
                    FloatEmbeddings e = lease.model().embed(chw, WINDOW);
                    WindowStats stats = new WindowStats();
                    for (int i = 0; i < WINDOW; i++) {
                        stats.add(MonitorTopology.observation(output.record(
                                records.get(i),
                                model.id(),
                                model.config(),
                                e.instance()[i],
                                e.tokens()[i],
                                Instant.EPOCH)));
                    }
                    Windowed<String> key = new Windowed<>(
                            MonitorTopology.sourceOf(records.get(0).getSource()), new TimeWindow(start, start + 1));
                    windows.add(DriftProcessor.statistics(key, stats)
                            .setEmittedAt(Instant.EPOCH)
                            .build());
                }
            }
        }
        System.out.printf(
                "%s: spread*sqrt(d) of %d windows %.3g..%.3g%n",
                model.id(),
                windows.size(),
                windows.stream().mapToDouble(w -> ratio(w)).min().orElseThrow(),
                windows.stream().mapToDouble(w -> ratio(w)).max().orElseThrow());
        return windows;
    }

    /** Target weights loaded as serving loads a version from the models topic. */
    private static ServingModel version(String name, byte[] weights) throws IOException {
        return ServingModel.load(new ModelVersion(name, 1, 0, Embedder.KIND, PRESET.toMap(), Map.of(), weights, 0L));
    }

    /** The shipped network with its patch embedding's weights scaled: 0 makes every image's tokens the same. */
    private static byte[] shippedWithPatchEmbeddingTimes(float factor) throws IOException {
        try (ExtremaModel model = ExtremaModel.create(PRESET)) {
            TensorArchive.read(shipped).copyInto(model.targetParameters());
            model.targetParameters().forEach((name, p) -> {
                if (name.contains("patch_embed") && name.endsWith("weight")) {
                    p.getArray().muli(factor);
                }
            });
            return model.exportTarget();
        }
    }
}
