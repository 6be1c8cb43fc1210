package io.extrema.trainer.publish;

import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends TrainingMetrics to the metrics topic, keyed by model name; never blocks the training thread. */
public final class MetricsPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsPublisher.class);

    private final KafkaProducer<String, TrainingMetrics> producer;
    private final String topic;

    public MetricsPublisher(Map<String, Object> kafka, Map<String, Object> serde, String topic) {
        Map<String, Object> config = new HashMap<>(kafka);
        // A lost progress report is replaced by the next one; do not hold the trainer for it.
        config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "1");
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 50);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "extrema-trainer-metrics");
        SpecificAvroSerializer<TrainingMetrics> values = new SpecificAvroSerializer<>();
        values.configure(serde, false);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), values);
        this.topic = topic;
    }

    public void publish(TrainingMetrics metrics) {
        producer.send(new ProducerRecord<>(topic, metrics.getModelName().toString(), metrics), (m, e) -> {
            if (e != null) {
                log.warn("training metrics at step {} not sent: {}", metrics.getStep(), e.toString());
            }
        });
    }

    @Override
    public void close() {
        producer.close();
    }
}
