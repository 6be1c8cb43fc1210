package io.extrema.schemas.serde;

import io.extrema.schemas.registry.RegistryClientConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of the Avro serdes: the registry client's plus the serdes' own, under Confluent's names. */
public class AvroSerdeConfig extends RegistryClientConfig {

    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String SPECIFIC_KEY_TYPE = "specific.avro.key.type";
    public static final String SPECIFIC_VALUE_TYPE = "specific.avro.value.type";

    public static final ConfigDef CONFIG = RegistryClientConfig.define(new ConfigDef())
            .define(
                    AUTO_REGISTER_SCHEMAS,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "true: the serializer registers the record's schema under <topic>-key/<topic>-value on first use. "
                            + "false: the schema must already be registered there (the serializer looks up its id) - "
                            + "for production, where schemas are registered by a deployment step.")
            .define(
                    SPECIFIC_KEY_TYPE,
                    Type.CLASS,
                    null,
                    Importance.LOW,
                    "Generated class a SpecificAvroDeserializer built by class name (key.deserializer) reads keys into.")
            .define(
                    SPECIFIC_VALUE_TYPE,
                    Type.CLASS,
                    null,
                    Importance.LOW,
                    "Generated class a SpecificAvroDeserializer built by class name (value.deserializer) reads values into.");

    public AvroSerdeConfig(Map<String, ?> configs) {
        super(CONFIG, configs);
    }

    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS);
    }

    /** The configured record class for keys or values, or null. */
    public Class<?> specificType(boolean isKey) {
        return getClass(isKey ? SPECIFIC_KEY_TYPE : SPECIFIC_VALUE_TYPE);
    }
}
