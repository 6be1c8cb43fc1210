package io.extrema.stack;

import java.util.Map;

/**
 * A topic the stack creates once the broker is up. The stack knows nothing of the project's topics: callers pass them.
 *
 * @param name       topic name
 * @param partitions partition count (replication is always 1: the stack has one broker)
 * @param configs    topic-level configs, e.g. {@code cleanup.policy=compact}
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    public TopicSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("topic name is blank");
        if (partitions < 1) throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1");
        configs = Map.copyOf(configs);
    }

    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of());
    }
}
