package io.extrema.serving.query;

import io.extrema.schemas.avro.EmbeddingRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps each image's latest embedding, by image id, for interactive queries. */
public final class IndexProcessor implements Processor<String, EmbeddingRecord, Void, Void> {
    public static final String STORE = "embeddings-by-id";

    private KeyValueStore<String, EmbeddingRecord> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, EmbeddingRecord> record) {
        store.put(record.key(), record.value());
    }
}
