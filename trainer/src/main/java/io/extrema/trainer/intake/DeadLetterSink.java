package io.extrema.trainer.intake;

import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.deadletter.DeadLetters;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.trainer.offsets.OffsetLedger;
import io.extrema.trainer.offsets.RecordPosition;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records the trainer cannot use to its dead-letter topic with their original bytes and the reason. A record
 * counts as settled only once the broker has acknowledged its dead letter, so a crash before that re-reads it.
 */
public final class DeadLetterSink implements AutoCloseable {
    public static final String STAGE = "trainer";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterSink.class);

    private final KafkaProducer<byte[], DeadLetter> producer;
    private final String topic;
    private final OffsetLedger ledger;
    private final IntakeCounters counters;

    public DeadLetterSink(
            Map<String, Object> kafka,
            Map<String, Object> serde,
            String topic,
            OffsetLedger ledger,
            IntakeCounters counters) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all"); // a dead letter must not be lost
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024); // original bytes ride along
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "extrema-trainer-dlq");
        SpecificAvroSerializer<DeadLetter> values = new SpecificAvroSerializer<>();
        values.configure(serde, false);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), values);
        this.topic = topic;
        this.ledger = ledger;
        this.counters = counters;
    }

    public void send(ConsumerRecord<byte[], byte[]> record, Throwable reason) {
        DeadLetter letter = DeadLetters.of(STAGE, record, reason);
        RecordPosition position =
                new RecordPosition(new TopicPartition(record.topic(), record.partition()), record.offset());
        log.warn(
                "dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), letter.getReason());
        producer.send(new ProducerRecord<>(topic, record.key(), letter), (metadata, error) -> {
            if (error == null) {
                counters.deadLettered.incrementAndGet();
                ledger.settle(position);
            } else {
                // Left pending: the record is read again after a restart and dead-lettered then.
                log.error("dead letter for {} not written", position, error);
            }
        });
    }

    @Override
    public void close() {
        producer.close();
    }
}
