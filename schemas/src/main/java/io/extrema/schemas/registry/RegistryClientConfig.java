package io.extrema.schemas.registry;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of {@link SchemaRegistryClient}. The names of the first three are Confluent's, so a serde configuration
 * written for Confluent's serdes works unchanged.
 */
public class RegistryClientConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    public static final String MAX_RETRIES = "schema.registry.max.retries";
    public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "schema.registry.retry.backoff.max.ms";
    public static final String OUTAGE_WAIT_MS = "schema.registry.outage.wait.ms";

    /** Where the basic-auth credentials come from. */
    public enum CredentialsSource {
        /** {@code basic.auth.user.info} as {@code user:password}. */
        USER_INFO,
        /** The user info of the registry URL, {@code http://user:password@host:port}. */
        URL
    }

    public static final ConfigDef CONFIG = define(new ConfigDef());

    /** Adds the registry client's settings to {@code def} (the serdes extend it with their own). */
    public static ConfigDef define(ConfigDef def) {
        return defineCredentials(
                        def.define(
                                SCHEMA_REGISTRY_URL,
                                Type.LIST,
                                null,
                                Importance.HIGH,
                                "Base URL(s) of the Confluent-compatible registry API, comma-separated; may carry a path "
                                        + "(Apicurio: http://host:8080/apis/ccompat/v7). On a connection failure the next URL is tried."))
                .define(
                        CONNECT_TIMEOUT_MS,
                        Type.INT,
                        5_000,
                        ConfigDef.Range.atLeast(1),
                        Importance.LOW,
                        "TCP connect timeout per request attempt.")
                .define(
                        REQUEST_TIMEOUT_MS,
                        Type.INT,
                        10_000,
                        ConfigDef.Range.atLeast(1),
                        Importance.LOW,
                        "Timeout of one request attempt, until the response headers arrive.")
                .define(
                        MAX_RETRIES,
                        Type.INT,
                        3,
                        ConfigDef.Range.between(0, 100),
                        Importance.LOW,
                        "Retries after an I/O error or an HTTP 5xx; 4xx answers are never retried.")
                .define(
                        RETRY_BACKOFF_MS,
                        Type.LONG,
                        100L,
                        ConfigDef.Range.atLeast(0),
                        Importance.LOW,
                        "Wait before the first retry; doubles per retry.")
                .define(
                        RETRY_BACKOFF_MAX_MS,
                        Type.LONG,
                        2_000L,
                        ConfigDef.Range.atLeast(0),
                        Importance.LOW,
                        "Upper bound of the wait between retries.")
                .define(
                        OUTAGE_WAIT_MS,
                        Type.LONG,
                        120_000L,
                        ConfigDef.Range.atLeast(0),
                        Importance.LOW,
                        "How long a request keeps retrying (every retry.backoff.max.ms) while the registry does not "
                                + "answer or answers 5xx, before it fails: a registry restart or a short outage is "
                                + "waited out instead of failing records. Only uncached ids and schemas need the "
                                + "registry at all.");
    }

    /**
     * Adds the basic-auth credentials, under Confluent's names, to {@code def}: the one declaration every command
     * includes (through {@link #define} or {@code io.extrema.schemas.ClientSettings}).
     */
    public static ConfigDef defineCredentials(ConfigDef def) {
        return def.define(
                        BASIC_AUTH_CREDENTIALS_SOURCE,
                        Type.STRING,
                        CredentialsSource.URL.name(),
                        ConfigDef.CaseInsensitiveValidString.in("USER_INFO", "URL"),
                        Importance.MEDIUM,
                        "USER_INFO: HTTP basic auth with basic.auth.user.info; URL: with the URL's user info, if it has one.")
                .define(
                        BASIC_AUTH_USER_INFO,
                        Type.PASSWORD,
                        null,
                        Importance.MEDIUM,
                        "user:password for HTTP basic auth when basic.auth.credentials.source=USER_INFO.");
    }

    public RegistryClientConfig(Map<String, ?> configs) {
        this(CONFIG, configs);
    }

    protected RegistryClientConfig(ConfigDef def, Map<String, ?> configs) {
        // Serdes receive every producer/consumer/streams setting; logging the unknown ones would only be noise.
        super(def, configs, false);
    }

    /** The registry URLs; at least one (a serde given a ready client needs none, so the key has no default check). */
    public List<URI> urls() {
        List<String> urls = getList(SCHEMA_REGISTRY_URL);
        if (urls == null || urls.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, urls, "at least one schema registry URL is needed");
        }
        return urls.stream().map(String::trim).map(URI::create).toList();
    }

    /** {@code user:password} for basic auth, if configured. */
    public Optional<String> userInfo() {
        CredentialsSource source = CredentialsSource.valueOf(
                getString(BASIC_AUTH_CREDENTIALS_SOURCE).toUpperCase());
        if (source == CredentialsSource.USER_INFO) {
            Password p = getPassword(BASIC_AUTH_USER_INFO);
            if (p == null || p.value().isEmpty()) {
                throw new ConfigException(
                        BASIC_AUTH_USER_INFO, null, "required when " + BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
            }
            return Optional.of(p.value());
        }
        return urls().stream()
                .map(URI::getUserInfo)
                .filter(u -> u != null && !u.isEmpty())
                .findFirst();
    }

    public Duration connectTimeout() {
        return Duration.ofMillis(getInt(CONNECT_TIMEOUT_MS));
    }

    public Duration requestTimeout() {
        return Duration.ofMillis(getInt(REQUEST_TIMEOUT_MS));
    }

    public int maxRetries() {
        return getInt(MAX_RETRIES);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    public long retryBackoffMaxMs() {
        return getLong(RETRY_BACKOFF_MAX_MS);
    }

    public Duration outageWait() {
        return Duration.ofMillis(getLong(OUTAGE_WAIT_MS));
    }
}
