package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExtremaConfigTest {

    @Test
    void everyPresetNameResolvesToItsFactory() {
        assertEquals(ExtremaConfig.cifarTiny(), ExtremaConfig.preset("cifar-tiny"));
        assertEquals(ExtremaConfig.vitSmall16(), ExtremaConfig.preset("vit-small16"));
        assertEquals(ExtremaConfig.vitBase16(), ExtremaConfig.preset("vit-base16"));
        for (String name : ExtremaConfig.PRESETS) ExtremaConfig.preset(name);
    }

    @Test
    void anUnknownPresetIsRefusedWithTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExtremaConfig.preset("vit-small-16"));
        assertTrue(e.getMessage().contains("cifar-tiny, vit-small16, vit-base16"), e.getMessage());
    }

    @Test
    void overridesSurviveTheRoundTripThroughSettings() {
        ExtremaConfig changed = ExtremaConfig.preset("cifar-tiny").with("depth", "2").with("numMasks", "1");
        assertEquals(changed, ExtremaConfig.fromMap(changed.toMap()));
        assertEquals(2, changed.depth());
        assertEquals(1, changed.numMasks());
    }
}
