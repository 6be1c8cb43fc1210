package io.extrema.ingest;

import io.extrema.images.ImageRejectedException;
import io.extrema.images.source.ImageSource;
import io.extrema.images.source.SkippedEntry;
import io.extrema.images.source.SourceImage;
import io.extrema.schemas.avro.ImageRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends images one by one: validate, build the record, publish asynchronously; refusals are counted and
 * dead-lettered. Paces to {@code rate} images/s when set. One thread drives it; the producer's callbacks count acks.
 */
public final class Ingestor {
    private static final Logger LOG = LoggerFactory.getLogger(Ingestor.class);

    /** Opens the source afresh for every loop (tar sources stream once). */
    @FunctionalInterface
    public interface SourceOpener {
        ImageSource open() throws IOException;
    }

    private final ImagePublisher publisher;
    private final ImageValidator validator;
    private final IngestStats stats;
    private final String idMode;
    private final double rate;
    private long paced;
    private long paceStartNanos;

    public Ingestor(IngestConfig config, ImagePublisher publisher, IngestStats stats) {
        this.publisher = publisher;
        this.validator = ImageValidator.of(config);
        this.stats = stats;
        this.idMode = config.getString(IngestConfig.ID_MODE);
        this.rate = config.getDouble(IngestConfig.RATE);
    }

    /** The largest image accepted, in bytes: sources skip larger files without reading them. */
    public long limitsMaxBytes() {
        return validator.limits().maxBytes();
    }

    public IngestStats stats() {
        return stats;
    }

    /** Sends every image of the source {@code loops} times (0 = until interrupted), then waits for the acks. */
    public void run(SourceOpener opener, String sourceName, int loops, Progress progress)
            throws IOException, InterruptedException {
        for (int loop = 0; loops == 0 || loop < loops; loop++) {
            try (ImageSource source = opener.open()) {
                for (SourceImage image : source) {
                    if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                    pace();
                    send(image, sourceName.isEmpty() ? source.name() : sourceName);
                    progress.update();
                }
            }
        }
        publisher.flush();
        progress.finish();
    }

    /** An entry the source skipped unread because it exceeds the byte limit: counted and dead-lettered without bytes. */
    public void skipped(SkippedEntry entry, String sourceName) {
        stats.offer();
        refuse(
                sourceName,
                entry.key(),
                null,
                ImageValidator.tooLarge(entry.size(), validator.limits().maxBytes()));
    }

    /** Validates and sends one image; never throws for a bad image (it is refused and dead-lettered instead). */
    public void send(SourceImage image, String sourceName) {
        stats.offer();
        ImageValidator.Accepted accepted;
        try {
            accepted = validator.accept(image.bytes());
        } catch (ImageRejectedException e) {
            refuse(sourceName, image.key(), image.bytes(), e);
            return;
        }
        ImageRecord record = ImageRecords.build(image, accepted, idMode, null, sourceName, Instant.now());
        long bytes = accepted.bytes().length;
        try {
            publisher.publish(record, (metadata, error) -> {
                if (error == null) stats.sent(bytes);
                else stats.failed(error);
            });
        } catch (KafkaException e) { // buffer full past max.block.ms, serialisation (registry) failure
            stats.failed(e);
        }
    }

    private void refuse(String sourceName, String key, byte[] bytes, ImageRejectedException why) {
        stats.refused(why.reason().name());
        LOG.warn("refused {}: {}", key, why.getMessage());
        try {
            publisher.deadLetter(sourceName, key, bytes, why, (metadata, error) -> {
                if (error != null) LOG.error("dead letter for {} not written: {}", key, error.toString());
            });
        } catch (KafkaException e) {
            LOG.error("dead letter for {} not written: {}", key, e.toString());
        }
    }

    /** Sleeps until the next send slot of a fixed-rate schedule (after a slow spell it catches up at full speed). */
    private void pace() throws InterruptedException {
        if (rate <= 0) return;
        long now = System.nanoTime();
        if (paced == 0) paceStartNanos = now;
        long due = paceStartNanos + (long) (paced++ * 1e9 / rate);
        if (due > now) TimeUnit.NANOSECONDS.sleep(due - now);
    }
}
