package io.extrema.serving.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.serving.ServingFixtures;
import io.extrema.serving.metrics.ServingMetrics;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The model follower on the real broker and registry: it stops as cleanly as it runs. */
@ExtendWith(LocalStackExtension.class)
class ModelFollowerTest {

    @Test
    void closeStopsTheFollowerAndClosesItsConsumerWithoutAnError(StackEndpoints stack) throws Exception {
        String topic = "follower-" + UUID.randomUUID().toString().substring(0, 8) + "-models";
        LocalStackExtension.createTopic(stack, topic, 1, Map.of("cleanup.policy", "compact"));
        ServingFixtures.publish(
                stack.bootstrapServers(),
                stack.registryUrl(),
                topic,
                ServingFixtures.parts(ServingFixtures.modelVersion("follow", 1, 1)));

        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> problems.add("uncaught in " + t.getName() + ": " + e));
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        AbstractAppender capture = new AbstractAppender("follower-close", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                problems.add(event.getLevel() + " " + event.getLoggerName() + ": "
                        + event.getMessage().getFormattedMessage()
                        + (event.getThrown() == null ? "" : " (" + event.getThrown() + ")"));
            }
        };
        capture.start();
        ServingMetrics metrics = new ServingMetrics();
        try (LiveModel live = new LiveModel(metrics)) {
            ModelFollower follower = new ModelFollower(
                    Map.of("bootstrap.servers", stack.bootstrapServers(), "schema.registry.url", stack.registryUrl()),
                    topic,
                    "",
                    live,
                    metrics);
            follower.start();
            assertTrue(follower.awaitCaughtUp(Duration.ofMinutes(2)), "caught up with the models topic");
            assertEquals(1, live.id().orElseThrow().version());
            Thread.sleep(1_000); // polling for new versions: where close() finds it in normal operation

            logs.getConfiguration().getRootLogger().addAppender(capture, Level.WARN, null);
            logs.updateLoggers();
            follower.close();

            assertTrue(problems.isEmpty(), "closing the follower logged or threw: " + problems);
            assertEquals(1, live.id().orElseThrow().version(), "the model in place is untouched");
        } finally {
            logs.getConfiguration().getRootLogger().removeAppender(capture.getName());
            logs.updateLoggers();
            capture.stop();
            Thread.setDefaultUncaughtExceptionHandler(previous);
            metrics.close();
        }
    }
}
