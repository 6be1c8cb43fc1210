package io.extrema.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.schemas.registry.RegistryClientConfig;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ClientSettingsTest {

    private static AbstractConfig settings(Map<String, String> given) {
        return new AbstractConfig(ClientSettings.define(new ConfigDef()), given);
    }

    @Test
    void theCredentialsAreDeclaredOnceWithTheRegistryClientsOwnDeclaration() {
        ConfigDef def = ClientSettings.define(new ConfigDef());
        for (String key :
                new String[] {ClientSettings.BASIC_AUTH_CREDENTIALS_SOURCE, ClientSettings.BASIC_AUTH_USER_INFO}) {
            ConfigDef.ConfigKey ours = def.configKeys().get(key);
            ConfigDef.ConfigKey registry =
                    RegistryClientConfig.CONFIG.configKeys().get(key);
            assertEquals(registry.type, ours.type, key);
            assertEquals(registry.documentation, ours.documentation, key);
            assertEquals(registry.defaultValue, ours.defaultValue, key);
        }
        assertEquals(ConfigDef.Type.PASSWORD, def.configKeys().get(ClientSettings.BASIC_AUTH_USER_INFO).type);
        assertEquals(
                ClientSettings.LOCAL_BOOTSTRAP_SERVERS, settings(Map.of()).getString(ClientSettings.BOOTSTRAP_SERVERS));
    }

    @Test
    void theSerdeConfigCarriesTheUrlAndCredentialsToTheRegistryClient() {
        Map<String, Object> serde = ClientSettings.serdeConfig(settings(Map.of(
                "schema.registry.url",
                "https://registry.example/apis/ccompat/v7",
                "basic.auth.credentials.source",
                "USER_INFO",
                "basic.auth.user.info",
                "extrema:s3cret")));
        RegistryClientConfig client = new RegistryClientConfig(serde);
        assertEquals(
                "https://registry.example/apis/ccompat/v7", client.urls().get(0).toString());
        assertEquals(Optional.of("extrema:s3cret"), client.userInfo());
        assertFalse(serde.toString().contains("s3cret"), "the password stays hidden in logs: " + serde);
    }

    @Test
    void withoutCredentialsTheUrlsOwnUserInfoIsUsedAndUserInfoSourceNeedsTheUserInfo() {
        Map<String, Object> serde = ClientSettings.serdeConfig(
                settings(Map.of("schema.registry.url", "https://extrema:frompath@registry.example")));
        assertEquals(Optional.of("extrema:frompath"), new RegistryClientConfig(serde).userInfo());
        ConfigException missing = assertThrows(
                ConfigException.class,
                () -> ClientSettings.serdeConfig(settings(Map.of("basic.auth.credentials.source", "user_info"))));
        assertTrue(missing.getMessage().contains("basic.auth.user.info"), missing.getMessage());
    }
}
