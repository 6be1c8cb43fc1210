package io.extrema.ops.dashboard;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.registry.SchemaRegistryClient;
import io.extrema.schemas.serde.SpecificAvroDeserializer;
import io.extrema.schemas.serde.UnreadableRecords;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's one consumer: assigned (no consumer group, nothing committed) to every partition of the topics
 * it shows, starting at most {@code history} records before the end, and re-checking every few seconds for topics
 * that appear later. A record that does not decode is counted and skipped (logged once per cause): the dashboard
 * only reads. A registry outage is waited out by the deserializer, up to its outage wait.
 */
final class TopicFeed implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFeed.class);
    private static final long RECHECK_MS = 5_000;

    private final DashboardConfig config;
    private final DashboardState state;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Consumer<ConsumerRecord<byte[], byte[]>>> handlers = new HashMap<>();
    private final Map<String, Integer> backlog = new HashMap<>();
    private final Thread thread = new Thread(this, "dashboard-feed");
    private volatile boolean running = true;
    private final UnreadableRecords unreadable = new UnreadableRecords(LOG, "the dashboard");

    TopicFeed(DashboardConfig config, Map<String, Object> kafkaOverrides, DashboardState state) {
        this.config = config;
        this.state = state;
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(DashboardConfig.BOOTSTRAP_SERVERS));
        // Assigned partitions and explicit seeks: a dashboard must not take part in anyone's consumer group.
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "extrema-dashboard");
        props.putAll(kafkaOverrides);
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());

        SchemaRegistryClient registry = new SchemaRegistryClient(config.serdeConfig());
        int history = config.getInt(DashboardConfig.HISTORY);
        on(
                DashboardConfig.METRICS_TOPIC,
                history,
                TrainingMetrics.class,
                registry,
                m -> state.addMetrics(Json.metrics(m)));
        on(
                DashboardConfig.MONITOR_TOPIC,
                history,
                MonitorRecord.class,
                registry,
                w -> state.addMonitor(Json.monitor(w)));
        on(DashboardConfig.ALERTS_TOPIC, history, AlertRecord.class, registry, a -> state.addAlert(Json.alert(a)));
        on(DashboardConfig.MODELS_TOPIC, history, ModelPart.class, registry, part -> {
            if (part.getPart() instanceof ModelManifest manifest) {
                state.addModel(Json.model(part, manifest));
            }
        });
        on(
                DashboardConfig.EMBEDDINGS_TOPIC,
                config.getInt(DashboardConfig.MAP_POINTS),
                EmbeddingRecord.class,
                registry,
                this::embedding);
        on(
                DashboardConfig.IMAGES_TOPIC,
                config.getInt(DashboardConfig.THUMBNAILS),
                ImageRecord.class,
                registry,
                this::image);
    }

    private <T extends org.apache.avro.specific.SpecificRecord> void on(
            String topicSetting, int records, Class<T> type, SchemaRegistryClient registry, Consumer<T> handler) {
        String topic = config.getString(topicSetting);
        SpecificAvroDeserializer<T> deserializer = new SpecificAvroDeserializer<>(type, registry);
        deserializer.configure(config.serdeConfig(), false);
        backlog.put(topic, records);
        handlers.put(topic, record -> {
            if (record.value() == null) {
                return; // a tombstone (retired model version)
            }
            T value;
            try {
                value = deserializer.deserialize(record.topic(), record.headers(), record.value());
            } catch (RuntimeException e) {
                // unreadable, or the registry away for longer than its wait: a view skips the record either way
                state.decodeError();
                unreadable.skipped(record.topic(), record.partition(), record.offset(), e);
                return;
            }
            handler.accept(value);
        });
    }

    private void embedding(EmbeddingRecord e) {
        float[] v = new float[e.getInstance().size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = e.getInstance().get(i);
        }
        state.addEmbedding(
                new EmbeddingMap.Point(
                        e.getImageId(), e.getLabel(), e.getSource(), e.getModelName(), e.getModelVersion(), v),
                e.getProcessingTime().toEpochMilli());
    }

    private void image(ImageRecord image) {
        byte[] data = new byte[image.getData().remaining()];
        image.getData().duplicate().get(data);
        ImageEncoding encoding = image.getEncoding();
        switch (encoding) {
            case JPEG -> state.addThumbnail(image.getId(), new DashboardState.Thumbnail("image/jpeg", data));
            case PNG -> state.addThumbnail(image.getId(), new DashboardState.Thumbnail("image/png", data));
            case GIF -> state.addThumbnail(image.getId(), new DashboardState.Thumbnail("image/gif", data));
            case BMP -> state.addThumbnail(image.getId(), new DashboardState.Thumbnail("image/bmp", data));
            case RAW_RGB -> {
                if (data.length == image.getWidth() * image.getHeight() * 3) {
                    state.addThumbnail(
                            image.getId(),
                            new DashboardState.Thumbnail("image/png", png(data, image.getWidth(), image.getHeight())));
                }
            }
            default -> {} // nothing a browser can show
        }
    }

    private static byte[] png(byte[] rgb, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0, p = 0; i < width * height; i++, p += 3) {
            img.setRGB(i % width, i / width, (rgb[p] & 0xff) << 16 | (rgb[p + 1] & 0xff) << 8 | (rgb[p + 2] & 0xff));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding into memory failed", e);
        }
        return out.toByteArray();
    }

    void start() {
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        Set<TopicPartition> assigned = new HashSet<>();
        long nextCheck = 0;
        try {
            while (running) {
                if (System.currentTimeMillis() >= nextCheck) {
                    assigned = reassign(assigned);
                    nextCheck = System.currentTimeMillis() + RECHECK_MS;
                }
                if (assigned.isEmpty()) {
                    Thread.sleep(200);
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    handlers.get(record.topic()).accept(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Adds the partitions of topics that exist now, each positioned {@code backlog} records before its end. */
    private Set<TopicPartition> reassign(Set<TopicPartition> assigned) {
        Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(5));
        Set<TopicPartition> wanted = new HashSet<>(assigned);
        for (String topic : handlers.keySet()) {
            for (PartitionInfo p : topics.getOrDefault(topic, List.of())) {
                wanted.add(new TopicPartition(topic, p.partition()));
            }
        }
        if (wanted.equals(assigned)) {
            return assigned;
        }
        Set<TopicPartition> added = new HashSet<>(wanted);
        added.removeAll(assigned);
        consumer.assign(wanted);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(added);
        consumer.endOffsets(added)
                .forEach((tp, end) -> consumer.seek(tp, Math.max(begin.get(tp), end - backlog.get(tp.topic()))));
        return wanted;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
