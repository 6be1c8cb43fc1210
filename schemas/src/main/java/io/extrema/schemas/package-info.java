/** Avro schemas, generated records, a Confluent-compatible schema-registry client and Kafka serdes in Confluent wire format. */
package io.extrema.schemas;
