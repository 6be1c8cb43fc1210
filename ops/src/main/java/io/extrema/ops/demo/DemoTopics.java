package io.extrema.ops.demo;

import io.extrema.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The project's topics under one name prefix ({@code extrema.} gives {@link Topics}' own names), so several demos or
 * tests can share a cluster. Created with the cluster's default replication factor, so the same call works on the
 * local single-node stack and on a production cluster.
 */
public record DemoTopics(String prefix) {

    public String images() {
        return named(Topics.IMAGES);
    }

    public String embeddings() {
        return named(Topics.EMBEDDINGS);
    }

    public String models() {
        return named(Topics.MODELS);
    }

    public String metrics() {
        return named(Topics.METRICS);
    }

    public String monitor() {
        return named(Topics.MONITOR);
    }

    public String alerts() {
        return named(Topics.ALERTS);
    }

    public String dlqIngest() {
        return named(Topics.DLQ_INGEST);
    }

    public String dlqTrainer() {
        return named(Topics.DLQ_TRAINER);
    }

    public String dlqServing() {
        return named(Topics.DLQ_SERVING);
    }

    public String dlqMonitor() {
        return named(Topics.DLQ_MONITOR);
    }

    /** {@code extrema.images} becomes {@code <prefix>images}. */
    String named(String projectName) {
        return prefix + projectName.substring("extrema.".length());
    }

    /** Creates the topics that are missing, with {@link Topics#all()}'s partitions and configs. */
    public void create(Map<String, Object> adminConfig) throws InterruptedException {
        List<NewTopic> topics = Topics.all().stream()
                .map(t -> new NewTopic(named(t.name()), Optional.of(t.partitions()), Optional.empty())
                        .configs(t.configs()))
                .toList();
        try (Admin admin = Admin.create(adminConfig)) {
            for (var created : admin.createTopics(topics).values().entrySet()) {
                try {
                    created.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "cannot create topic " + created.getKey() + ": "
                                        + e.getCause().getMessage(),
                                e.getCause());
                    }
                }
            }
        }
    }
}
