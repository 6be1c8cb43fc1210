package io.extrema.serving.topology;

import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.serde.SpecificAvroSerde;
import io.extrema.serving.config.ServingConfig;
import io.extrema.serving.embed.BatchEmbedProcessor;
import io.extrema.serving.embed.DecodeProcessor;
import io.extrema.serving.embed.InferenceWorkers;
import io.extrema.serving.live.LiveModel;
import io.extrema.serving.query.IndexProcessor;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/** Images in, embeddings out: the embedding service's topology. */
public final class EmbeddingTopology {

    /**
     * @param serdeConfigs registry settings for the Avro serdes
     * @param workers      where the batches run
     */
    public static Topology build(
            ServingConfig config, Map<String, ?> serdeConfigs, LiveModel live, InferenceWorkers workers) {
        SpecificAvroSerde<ImageRecord> images = SpecificAvroSerde.forValues(ImageRecord.class, serdeConfigs);
        SpecificAvroSerde<EmbeddingRecord> embeddings =
                SpecificAvroSerde.forValues(EmbeddingRecord.class, serdeConfigs);

        Topology topology = new Topology();
        // Read ImageRecords; bytes that are not one go to the dead-letter topic via the deserialization handler.
        topology.addSource(
                "images",
                Serdes.String().deserializer(),
                images.deserializer(),
                config.getString(ServingConfig.IMAGES_TOPIC));
        // Decode per record, so a bad image is dead-lettered alone (processing handler) and never fails a batch.
        topology.addProcessor("decode", () -> new DecodeProcessor(config.imagePreparation(), live), "images");
        // Batch by size or linger across the thread's tasks and embed each batch with one model on the inference
        // threads; the buffer is a changelogged store so an exactly-once commit covers the images waiting in it.
        topology.addProcessor(
                "embed",
                () -> new BatchEmbedProcessor(
                        live, workers, config.imagePreparation(), config.embeddingOutput(), config.batchRule()),
                "decode");
        topology.addStateStore(
                Stores.timestampedKeyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(BatchEmbedProcessor.BUFFER_STORE), Serdes.Long(), images)
                        .withCachingEnabled(),
                "embed");
        // Write one EmbeddingRecord per image, keyed by image id.
        topology.addSink(
                "embeddings",
                config.getString(ServingConfig.EMBEDDINGS_TOPIC),
                Serdes.String().serializer(),
                embeddings.serializer(),
                "embed");
        if (config.getBoolean(ServingConfig.QUERY_STORE)) {
            // Keep each image's latest embedding by id (same partitioning as the input) for interactive queries.
            topology.addProcessor("index", IndexProcessor::new, "embed");
            topology.addStateStore(
                    Stores.keyValueStoreBuilder(
                            Stores.persistentKeyValueStore(IndexProcessor.STORE), Serdes.String(), embeddings),
                    "index");
        }
        return topology;
    }

    private EmbeddingTopology() {}
}
