package io.extrema.trainer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.extrema.images.DecodedImage;
import io.extrema.model.ExtremaConfig;
import io.extrema.model.augment.AugmentationConfig;
import io.extrema.model.augment.ViewAugmentation;
import io.extrema.trainer.batch.BatchFeed;
import io.extrema.trainer.offsets.RecordPosition;
import io.extrema.trainer.replay.ReplayBuffer;
import io.extrema.trainer.replay.ReplayItem;
import io.extrema.trainer.replay.ReplayPolicy;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Training-thread time per step spent turning a batch's views into tensors, in one run: as the trainer did it
 * before the batch feed staged batches (create both tensors from host arrays and copy them to the device, at the
 * start of the step) and as it does now (take the staged batch; the step makes views of it). A GPU step is stood in
 * for by the training thread sleeping, as it waits on a GPU, so the feed's thread has the CPU meanwhile.
 *
 * <p>{@code java -cp <trainer test class path> io.extrema.trainer.bench.StagingBenchmark [batch] [steps] [step ms]}
 */
public final class StagingBenchmark {

    private StagingBenchmark() {}

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        long stepMillis = args.length > 2 ? Long.parseLong(args[2]) : 300;
        ExtremaConfig config = ExtremaConfig.vitSmall16();
        int side = config.imageSize();
        Shape shape = new Shape(batch, 3, side, side);
        Device device = Device.cpu();
        Random random = new Random(1);
        float[] online = new float[(int) shape.size()];
        float[] target = new float[online.length];
        for (int i = 0; i < online.length; i++) {
            online[i] = (float) random.nextGaussian();
            target[i] = (float) random.nextGaussian();
        }

        double before = 0;
        try (NDManager model = NDManager.newBaseManager(device)) {
            for (int s = 0; s <= steps; s++) { // the first is a warm-up
                long t0 = System.nanoTime();
                try (NDManager scope = model.newSubManager()) {
                    // what ExtremaTrainer.step(float[], float[], int) and its copy to the device did
                    scope.create(online, shape).toDevice(device, true);
                    scope.create(target, shape).toDevice(device, true);
                    before += s == 0 ? 0 : System.nanoTime() - t0;
                }
                Thread.sleep(stepMillis);
            }
        }

        double after = 0;
        ViewAugmentation augmentation = new ViewAugmentation(AugmentationConfig.of(config));
        try (BatchFeed feed = new BatchFeed(buffer(batch, 256), augmentation, batch, 2, device, 7)) {
            feed.start();
            for (int s = 0; s <= steps; s++) {
                BatchFeed.Batch taken;
                do {
                    taken = feed.take(100, TimeUnit.MILLISECONDS); // waiting for augmentation is not tensor time
                } while (taken == null);
                long t0 = System.nanoTime();
                try (BatchFeed.Batch b = taken;
                        NDManager scope = NDManager.newBaseManager(device)) {
                    // what the step now does with staged inputs: a view of each, in its scope
                    b.online().reshape(shape).attach(scope);
                    b.target().reshape(shape).attach(scope);
                    after += s == 0 ? 0 : System.nanoTime() - t0;
                    Thread.sleep(stepMillis);
                }
            }
        }
        double mb = 2.0 * shape.size() * 4 / 1e6;
        System.out.printf(
                Locale.ROOT,
                "vit-small16 views, batch %d (%.1f MB of fp32 per step), %d steps, %d ms stand-in step, %s:%n"
                        + "  training-thread tensor time per step: before %.2f ms, after %.3f ms%n",
                batch,
                mb,
                steps,
                stepMillis,
                device,
                before / steps / 1e6,
                after / steps / 1e6);
    }

    private static ReplayBuffer buffer(int batch, int storeSide) throws InterruptedException {
        ReplayBuffer buffer =
                new ReplayBuffer(ReplayPolicy.RESERVOIR, 2 * batch, Long.MAX_VALUE, 1e6, batch, new Random(3), x -> {});
        Random pixels = new Random(5);
        TopicPartition tp = new TopicPartition("images", 0);
        for (int i = 0; i < 2 * batch; i++) {
            byte[] rgb = new byte[storeSide * storeSide * 3];
            pixels.nextBytes(rgb);
            buffer.offer(new ReplayItem(
                    new RecordPosition(tp, i), "id-" + i, "a", new DecodedImage(storeSide, storeSide, rgb)));
        }
        return buffer;
    }
}
