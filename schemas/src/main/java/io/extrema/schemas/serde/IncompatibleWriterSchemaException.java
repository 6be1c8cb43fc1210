package io.extrema.schemas.serde;

/**
 * The record's writer schema (from its schema id) cannot be resolved to the reader's record class: a change that
 * broke compatibility, or a record of another type on the topic.
 */
public class IncompatibleWriterSchemaException extends WireFormatException {

    private final int schemaId;

    public IncompatibleWriterSchemaException(String topic, int schemaId, String readerName, String details) {
        super("schema id " + schemaId + " on topic " + topic + " cannot be read as " + readerName + ": " + details);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
