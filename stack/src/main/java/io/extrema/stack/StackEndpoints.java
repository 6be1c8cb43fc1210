package io.extrema.stack;

/**
 * Where a running Kafka cluster and schema registry answer: what every client in the project needs to connect.
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}, e.g. {@code 127.0.0.1:9092}
 * @param registryUrl      base URL of the Confluent-compatible schema-registry API
 */
public record StackEndpoints(String bootstrapServers, String registryUrl) {}
