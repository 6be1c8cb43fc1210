package io.extrema.serving;

import io.extrema.model.ExtremaConfig;
import io.extrema.model.ExtremaModel;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionCodec;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Real JPEGs, image records and real model versions (freshly initialised tiny networks' exported weights). */
public final class ServingFixtures {

    /** A network small enough that loading and embedding take milliseconds. */
    public static ExtremaConfig tinyConfig() {
        return ExtremaConfig.cifarTiny()
                .with("heads", "2")
                .with("dim", "32")
                .with("depth", "1")
                .with("caDepth", "1")
                .with("projectorHidden", "64")
                .with("projectorOut", "32")
                .with("predictorHidden", "64");
    }

    /** A 32x32 JPEG of coloured rectangles, different for every seed. */
    public static byte[] jpeg(long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        for (int i = 0; i < 6; i++) {
            g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
            g.fillRect(r.nextInt(32), r.nextInt(32), 4 + r.nextInt(28), 4 + r.nextInt(28));
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static ImageRecord image(String id, byte[] bytes) {
        return ImageRecord.newBuilder()
                .setId(id)
                .setSource("fixtures")
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setEncoding(ImageEncoding.JPEG)
                .setWidth(32)
                .setHeight(32)
                .setChannels(3)
                .setData(ByteBuffer.wrap(bytes))
                .setLabel("label-" + id)
                .setAttributes(Map.of("camera", "c1"))
                .build();
    }

    /** A model version whose weights are a freshly initialised tiny network's (seeded, so versions differ). */
    public static ModelVersion modelVersion(String name, long version, long seed) {
        ExtremaConfig config = tinyConfig().withSeed(seed);
        try (ExtremaModel model = ExtremaModel.create(config)) {
            return new ModelVersion(
                    name,
                    version,
                    version * 100,
                    "extrema-target-weights",
                    config.toMap(),
                    Map.of("loss", 1.0),
                    model.exportTarget(),
                    System.currentTimeMillis());
        }
    }

    /** The version's records, chunked small so a version spans several chunks. */
    public static List<ModelVersionCodec.KeyedPart> parts(ModelVersion version) {
        return ModelVersionCodec.toParts(version, 16 * 1024);
    }

    /** Sends the parts in order to the models topic. */
    public static void publish(
            String bootstrap, String registryUrl, String topic, List<ModelVersionCodec.KeyedPart> parts) {
        SpecificAvroSerializer<ModelPart> values = new SpecificAvroSerializer<>();
        values.configure(Map.of("schema.registry.url", registryUrl), false);
        try (KafkaProducer<String, ModelPart> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        2 * 1024 * 1024),
                new StringSerializer(),
                values)) {
            for (ModelVersionCodec.KeyedPart p : parts) {
                producer.send(new ProducerRecord<>(topic, p.key(), p.part()));
            }
            producer.flush();
        }
    }

    private ServingFixtures() {}
}
