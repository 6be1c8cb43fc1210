package io.extrema.schemas.registry;

/**
 * A request to the schema registry failed. For a refusal by the registry (HTTP 4xx) {@link #status()} and
 * {@link #errorCode()} are what the registry answered; when the registry could not be reached at all (after the
 * bounded retries) the status is {@link #NO_RESPONSE}.
 *
 * <p>Deliberately not a {@code SerializationException}: a registry that is down is not a bad record, and Kafka
 * Streams' "log and continue" handlers must not silently drop records because of it.
 */
public class SchemaRegistryException extends RuntimeException {

    /** Status when no HTTP response was received (connection refused, timeout). */
    public static final int NO_RESPONSE = -1;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(String message, int status, int errorCode, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** HTTP status, or {@link #NO_RESPONSE}. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code} (e.g. 40403 schema not found, 409 incompatible), or the status if it gave none. */
    public int errorCode() {
        return errorCode;
    }

    /** The registry refused a schema as incompatible with the subject's earlier versions (HTTP 409). */
    public boolean isIncompatible() {
        return status == 409;
    }

    /** The subject, version or schema id does not exist (HTTP 404). */
    public boolean isNotFound() {
        return status == 404;
    }

    /** The registry did not answer, or answered 5xx: an outage, which passes; not a verdict on any record. */
    public boolean isOutage() {
        return status == NO_RESPONSE || status >= 500;
    }

    /**
     * Whether {@code error} or one of its causes is a registry outage: what a consumer must wait out and retry
     * instead of dead-lettering or skipping the record (Kafka wraps deserializer errors in its own exceptions).
     */
    public static boolean isOutage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException e && e.isOutage()) {
                return true;
            }
        }
        return false;
    }
}
