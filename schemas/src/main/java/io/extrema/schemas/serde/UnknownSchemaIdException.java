package io.extrema.schemas.serde;

/** The header names a schema id the registry does not know (it answered 404). */
public class UnknownSchemaIdException extends WireFormatException {

    private final int schemaId;

    public UnknownSchemaIdException(String topic, int schemaId, Throwable cause) {
        super("schema id " + schemaId + " on topic " + topic + " is unknown to the schema registry", cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
