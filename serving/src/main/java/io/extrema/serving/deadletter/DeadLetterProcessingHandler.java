package io.extrema.serving.deadletter;

import io.extrema.serving.embed.BatchFailedException;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record that fails in a processor (an undecodable or over-limit image) goes to the dead-letter topic with the
 * source record's original bytes; processing continues. A failed inference batch ({@link BatchFailedException},
 * or any failure with no source record behind it, as in a punctuation) is not a bad record but a broken service,
 * so it fails the stream thread, whose replacement retries the batch, which waits in its changelogged buffer.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    public static final String CAUSE = "processing";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private DeadLetterRouting routing;

    @Override
    public void configure(Map<String, ?> configs) {
        routing = new DeadLetterRouting(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (context.sourceRawValue() == null || exception instanceof BatchFailedException) {
            LOG.error(
                    "failure outside any input record in {} (task {})",
                    context.processorNodeId(),
                    context.taskId(),
                    exception);
            return Response.fail();
        }
        return Response.resume(routing.route(CAUSE, context, exception));
    }
}
