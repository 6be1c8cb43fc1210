package io.extrema.ops.faults;

import io.extrema.images.source.ImageSource;
import io.extrema.images.source.ImageSources;
import io.extrema.images.source.SourceImage;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A steady stream of images with unique ids ({@code f-<sequence>}, the sample's JPEGs over and over), sent the way a
 * user's producer sends them: idempotent, {@code acks=all}, the client's own retries over a broker or registry
 * outage. Only images the broker acknowledged count as produced.
 */
final class ImageStream implements AutoCloseable {
    static final String SOURCE = "faults";

    private final KafkaProducer<String, ImageRecord> producer;
    private final String topic;
    private final List<byte[]> jpegs = new ArrayList<>();
    private final double rate;
    private final Thread sender;
    private final AtomicLong sequence = new AtomicLong();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;

    ImageStream(String bootstrapServers, String registryUrl, String topic, Path sampleTar, int images, double rate)
            throws Exception {
        try (ImageSource source = ImageSources.open(sampleTar)) {
            for (SourceImage image : source) {
                if (jpegs.size() == images) break;
                jpegs.add(image.bytes());
            }
        }
        SpecificAvroSerializer<ImageRecord> values = new SpecificAvroSerializer<>();
        values.configure(Map.of("schema.registry.url", registryUrl), false);
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new StringSerializer(),
                values);
        this.topic = topic;
        this.rate = rate;
        this.sender = new Thread(this::send, "fault-image-stream");
    }

    ImageStream start() {
        sender.start();
        return this;
    }

    private void send() {
        long periodNanos = (long) (1e9 / rate);
        long next = System.nanoTime();
        while (running) {
            long seq = sequence.getAndIncrement();
            String id = String.format("f-%06d", seq);
            byte[] jpeg = jpegs.get((int) (seq % jpegs.size()));
            ImageRecord record = ImageRecord.newBuilder()
                    .setId(id)
                    .setSource(SOURCE)
                    .setEventTime(Instant.now())
                    .setEncoding(ImageEncoding.JPEG)
                    .setWidth(32)
                    .setHeight(32)
                    .setChannels(3)
                    .setData(ByteBuffer.wrap(jpeg))
                    .build();
            sentAt.put(id, System.currentTimeMillis());
            producer.send(new ProducerRecord<>(topic, id, record), (metadata, e) -> {
                if (e == null) {
                    acknowledged.add(id);
                } else {
                    failed.incrementAndGet();
                }
            });
            next += periodNanos;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Ids the broker acknowledged. */
    Set<String> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    /** Wall-clock millis each id was handed to the producer. */
    Map<String, Long> sentAt() {
        return Map.copyOf(sentAt);
    }

    long sent() {
        return sequence.get();
    }

    long failed() {
        return failed.get();
    }

    /** Stops sending and waits until every image sent is acknowledged or failed. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        sender.join(10_000); // no interrupt: it would abort a send under way
        producer.flush();
        producer.close();
    }
}
