package io.extrema.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerConfigTest {

    @Test
    void fileThenEnvironmentThenOverridesWithKafkaAndModelPassThrough(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trainer.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                replay.policy=min-redundancy
                kafka.security.protocol=SASL_SSL
                kafka.sasl.mechanism=PLAIN
                model.batchSize=16
                """);
        TrainerConfig c = TrainerConfig.load(
                file,
                Map.of(
                        "EXTREMA_TRAINER_BOOTSTRAP_SERVERS",
                        "env:9092",
                        "EXTREMA_TRAINER_MODEL_DEPTH",
                        "1",
                        "EXTREMA_TRAINER_MODEL_WARMUPSTEPS",
                        "3",
                        "UNRELATED",
                        "x"),
                Map.of("checkpoint.interval.steps", "7"));
        Map<String, Object> kafka = c.kafkaClientConfig();
        assertEquals("env:9092", kafka.get("bootstrap.servers"));
        assertEquals("SASL_SSL", kafka.get("security.protocol"));
        assertEquals("PLAIN", kafka.get("sasl.mechanism"));
        assertEquals(7, c.getInt(TrainerConfig.CHECKPOINT_INTERVAL_STEPS));
        assertEquals("min-redundancy", c.replayPolicy().configName());
        assertEquals(Map.of("batchSize", "16", "depth", "1", "warmupSteps", "3"), c.modelOverrides());
        assertEquals(16, c.modelConfig().batchSize());
        assertEquals(1, c.modelConfig().depth());
    }

    @Test
    void invalidValuesAreRefusedWithTheSettingName() {
        ConfigException e =
                assertThrows(ConfigException.class, () -> new TrainerConfig(Map.of("replay.policy", "lifo")));
        assertTrue(e.getMessage().contains("replay.policy"), e.getMessage());
        assertThrows(ConfigException.class, () -> new TrainerConfig(Map.of("replay.factor", "0.5")));
        assertThrows(IllegalArgumentException.class, () -> new TrainerConfig(Map.of("model.heads", "5")).modelConfig());
        assertTrue(TrainerConfig.help().contains("replay.capacity.bytes"));
        assertTrue(TrainerConfig.help().contains("model.maskRatio"), "model fields are declared settings");
    }

    @Test
    void initNamesACheckpointPathOrAModelVersion() {
        assertEquals(Optional.empty(), new TrainerConfig(Map.of()).initVersion());
        assertEquals(Optional.empty(), new TrainerConfig(Map.of("init", "runs/a/checkpoints")).initVersion());
        assertEquals(
                Optional.of(new TrainerConfig.VersionRef("extrema", 0)),
                new TrainerConfig(Map.of("init", "extrema@latest")).initVersion());
        assertEquals(
                Optional.of(new TrainerConfig.VersionRef("extrema", 12)),
                new TrainerConfig(Map.of("init", "extrema@12")).initVersion());
        for (String bad : new String[] {"extrema@0", "@latest", "@3"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> new TrainerConfig(Map.of("init", bad)));
            assertTrue(e.getMessage().contains("init"), e.getMessage());
        }
    }

    @Test
    void anExplicitGpuWithoutACudaLibtorchFailsNamingTheSettingAndTheFlavour() throws Exception {
        TrainerConfig c = TrainerConfig.load(null, Map.of(), Map.of("device", "gpu"));
        if (Engine.getInstance().hasCapability(StandardCapabilities.CUDA)) {
            // a CUDA libtorch: the GPU when DJL counts one, else refused for that reason
            if (Engine.getInstance().getGpuCount() > 0) {
                assertEquals(ai.djl.Device.gpu(), c.device());
            } else {
                assertTrue(assertThrows(ConfigException.class, c::device)
                        .getMessage()
                        .contains("DJL finds no GPU"));
            }
            return;
        }
        ConfigException e = assertThrows(ConfigException.class, c::device);
        assertTrue(e.getMessage().contains("Invalid value gpu for configuration device"), e.getMessage());
        assertTrue(e.getMessage().contains("has no CUDA") && e.getMessage().contains("flavour cpu"), e.getMessage());
    }
}
