package io.extrema.schemas;

import io.extrema.schemas.registry.RegistryClientConfig;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * How every part reaches Kafka and the schema registry: {@code bootstrap.servers}, {@code schema.registry.url} and
 * the registry's basic-auth credentials under Confluent's names ({@code basic.auth.credentials.source},
 * {@code basic.auth.user.info}). Declared once here, so each command's {@code --help}, environment variables,
 * {@code --config} file and docs/configuration.md say the same; handed to the serdes and registry clients one way,
 * {@link #serdeConfig}. Other Kafka client settings (security included) travel with the {@link #KAFKA_PREFIX}.
 */
public final class ClientSettings {
    /** Settings given as {@code kafka.<client setting>} reach the Kafka clients with the prefix removed. */
    public static final String KAFKA_PREFIX = "kafka.";

    public static final String BOOTSTRAP_SERVERS = CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG;
    public static final String SCHEMA_REGISTRY_URL = RegistryClientConfig.SCHEMA_REGISTRY_URL;
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE;
    public static final String BASIC_AUTH_USER_INFO = RegistryClientConfig.BASIC_AUTH_USER_INFO;
    /** The local stack's addresses ({@code extrema stack start}): the defaults. */
    public static final String LOCAL_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

    public static final String LOCAL_REGISTRY_URL = "http://127.0.0.1:8081/apis/ccompat/v7";

    private ClientSettings() {}

    /** Adds the Kafka and registry addresses (the local stack's by default) and the registry credentials. */
    public static ConfigDef define(ConfigDef def) {
        return defineCredentials(def.define(
                        BOOTSTRAP_SERVERS,
                        Type.STRING,
                        LOCAL_BOOTSTRAP_SERVERS,
                        Importance.HIGH,
                        "Kafka bootstrap servers, host:port[,host:port].")
                .define(
                        SCHEMA_REGISTRY_URL,
                        Type.STRING,
                        LOCAL_REGISTRY_URL,
                        Importance.HIGH,
                        "Base URL of the Confluent-compatible schema registry (Apicurio: .../apis/ccompat/v7)."));
    }

    /** Adds only the registry credentials, for a command that declares the addresses its own way. */
    public static ConfigDef defineCredentials(ConfigDef def) {
        return RegistryClientConfig.defineCredentials(def);
    }

    /**
     * The settings a serde or registry client needs from {@code settings} (which declare the registry URL and the
     * credentials): the URL, the credentials source and, when given, the user info (still a {@link Password}, so
     * no log prints it). A missing user info for {@code USER_INFO} is refused here, at start, not at first use.
     */
    public static Map<String, Object> serdeConfig(AbstractConfig settings) {
        Map<String, Object> serde = new HashMap<>(credentials(settings));
        Object url = settings.values().get(SCHEMA_REGISTRY_URL);
        if (url != null) {
            serde.put(SCHEMA_REGISTRY_URL, url);
        }
        return serde;
    }

    /** The credentials alone, for a command that passes the registry URL separately (the demo's parts). */
    public static Map<String, Object> credentials(AbstractConfig settings) {
        Map<String, Object> credentials = new HashMap<>();
        String source = settings.getString(BASIC_AUTH_CREDENTIALS_SOURCE);
        credentials.put(BASIC_AUTH_CREDENTIALS_SOURCE, source);
        Password userInfo = settings.getPassword(BASIC_AUTH_USER_INFO);
        if (userInfo != null && !userInfo.value().isEmpty()) {
            credentials.put(BASIC_AUTH_USER_INFO, userInfo);
        } else if (source.toUpperCase(Locale.ROOT).equals(RegistryClientConfig.CredentialsSource.USER_INFO.name())) {
            throw new ConfigException(
                    BASIC_AUTH_USER_INFO, null, "required when " + BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
        }
        return credentials;
    }
}
