package io.extrema.ops.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.model.Checkpoint;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.model.ExtremaTrainer;
import io.extrema.model.bench.EvalBank;
import io.extrema.model.bench.LabelledImages;
import io.extrema.model.eval.KnnEvaluator;
import io.extrema.ops.ExtremaCli;
import io.extrema.ops.demo.SampleData;
import io.extrema.trainer.TinyNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code extrema eval} prints the model's k-NN and linear probe beside the two baselines on the same images: a fresh
 * network of the model's preset and seed, and raw pixels. The model here is an untrained checkpoint, so it must
 * score exactly what the fresh network does; the raw pixels score what the learning benchmark's baseline does.
 */
class EvalCommandTest {
    /** With the sample's 500 test images the accuracies step by 0.2 %: two different networks rarely tie. */
    private static final int TRAIN_PER_CLASS = 50;

    private static final Pattern ROW = Pattern.compile(
            "(?m)^(model|fresh network \\(same seed\\)|raw pixels \\(3072 dims\\)) +([0-9.]+) %   +([0-9.]+) % \\(weight decay ");

    @Test
    void theModelIsScoredBesideAFreshNetworkOfItsSeedAndRawPixels(@TempDir Path tmp) throws Exception {
        Map<String, String> tiny = new HashMap<>(ExtremaConfig.cifarTiny().toMap());
        TinyNetwork.settings().forEach((k, v) -> {
            if (k.startsWith("model.")) tiny.put(k.substring("model.".length()), v);
        });
        ExtremaConfig config = ExtremaConfig.fromMap(tiny).withSeed(7);
        Path checkpoint = tmp.resolve("extrema.ckpt");
        try (ExtremaTrainer untrained = new ExtremaTrainer(ExtremaModel.create(config, Device.cpu()))) {
            Checkpoint.save(untrained, checkpoint);
        }
        Path sample = SampleData.require();
        Path trainImages = firstOfEachClass(sample.resolve("train.tar.gz"), TRAIN_PER_CLASS, tmp.resolve("train"));
        Path testImages = sample.resolve("test.tar.gz");
        ExtremaCli.Result eval = ExtremaCli.run(
                "eval",
                "--model",
                "checkpoint",
                "--checkpoint",
                checkpoint.toString(),
                "--train",
                trainImages.toString(),
                "--test",
                testImages.toString(),
                "--log.file",
                tmp.resolve("eval.log").toString());
        assertEquals(0, eval.exit(), eval.out());

        Map<String, String[]> rows = new HashMap<>();
        Matcher m = ROW.matcher(eval.out());
        while (m.find()) rows.put(m.group(1), new String[] {m.group(2), m.group(3)});
        assertEquals(
                3, rows.size(), "model, fresh network and raw-pixel rows with k-NN and linear probe:\n" + eval.out());
        assertTrue(eval.out().contains("k-NN (k=20, T=0.07)   linear probe"), eval.out());
        assertEquals(
                Arrays.asList(rows.get("model")),
                Arrays.asList(rows.get("fresh network (same seed)")),
                "an untrained model and a fresh network of its preset and seed score the same:\n" + eval.out());

        LabelledImages train = LabelledImages.load(trainImages);
        LabelledImages test = LabelledImages.load(testImages);
        double pixels = EvalBank.rawPixelBaseline(train, test, config.imageSize(), KnnEvaluator.standard())
                .accuracy();
        String[] raw = rows.get("raw pixels (3072 dims)");
        assertNotNull(raw);
        assertEquals(String.format(Locale.ROOT, "%.2f", 100 * pixels), raw[0], eval.out());
    }

    /** The first {@code perClass} images of every class of {@code tar} as a folder tree {@code <class>/<name>}. */
    private static Path firstOfEachClass(Path tar, int perClass, Path folder) throws Exception {
        Map<String, Integer> written = new HashMap<>();
        try (ImageSource source = ImageSources.open(tar)) {
            for (SourceImage image : source) {
                if (written.merge(image.label(), 1, Integer::sum) > perClass) continue;
                Path file = folder.resolve(image.label())
                        .resolve(Path.of(image.key()).getFileName().toString());
                Files.createDirectories(file.getParent());
                Files.write(file, image.bytes());
            }
        }
        return folder;
    }
}
