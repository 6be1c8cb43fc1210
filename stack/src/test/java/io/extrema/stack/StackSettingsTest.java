package io.extrema.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StackSettingsTest {

    @Test
    void theFourPortsOfAStackAreDistinctEveryTime() {
        // A broker whose client and controller listeners were given one port refused to format its log dir.
        for (int i = 0; i < 200; i++) {
            StackSettings s = StackSettings.defaults(Path.of("target/unused")).withFreePorts();
            int[] ports = {s.brokerPort(), s.controllerPort(), s.registryPort(), s.registryManagementPort()};
            assertEquals(4, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
        }
    }
}
