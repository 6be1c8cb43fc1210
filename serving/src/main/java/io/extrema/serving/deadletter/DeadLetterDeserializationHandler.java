package io.extrema.serving.deadletter;

import io.extrema.schemas.registry.SchemaRegistryException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * Records whose bytes are not a readable ImageRecord (wrong magic byte, unknown schema id, truncated Avro) go to
 * the dead-letter topic with their original bytes; processing continues with the next record. A schema registry
 * outage is not the record's fault: the stream thread fails and is replaced, and the record is read again.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    public static final String CAUSE = "deserialization";

    private DeadLetterRouting routing;

    @Override
    public void configure(Map<String, ?> configs) {
        routing = new DeadLetterRouting(configs);
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (SchemaRegistryException.isOutage(exception)) {
            return Response.fail();
        }
        return Response.resume(routing.route(CAUSE, record, exception));
    }
}
