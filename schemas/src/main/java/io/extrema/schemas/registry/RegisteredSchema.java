package io.extrema.schemas.registry;

import org.apache.avro.Schema;

/**
 * A schema as the registry holds it under a subject.
 *
 * @param subject the subject, e.g. {@code extrema.images-value}
 * @param id      the global schema id written into every record's wire header
 * @param version the version of the schema within the subject (1, 2, ...)
 * @param schema  the parsed Avro schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {}
