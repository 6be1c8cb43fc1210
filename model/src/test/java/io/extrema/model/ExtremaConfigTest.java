package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.extrema.model.augment.AugmentationConfig;
import java.util.Map;
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
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ExtremaConfig.preset("vit-small-16"));
        assertTrue(e.getMessage().contains("cifar-tiny, vit-small16, vit-base16"), e.getMessage());
    }

    @Test
    void aGradientOverTheClipIsScaledToItAndZeroTurnsClippingOff() {
        ExtremaConfig clipped = ExtremaConfig.cifarTiny().with("gradClip", "2.0");
        assertEquals(0.5, clipped.clipScale(4.0), 1e-6);
        assertEquals(1.0, clipped.clipScale(2.0), "at the bound: not scaled");
        assertTrue(clipped.clips(4.0));
        assertFalse(clipped.clips(1.0));
        ExtremaConfig unclipped = clipped.with("gradClip", "0");
        assertEquals(1.0, unclipped.clipScale(1e9));
        assertFalse(unclipped.clips(1e9));
    }

    @Test
    void overridesSurviveTheRoundTripThroughSettings() {
        ExtremaConfig changed =
                ExtremaConfig.preset("cifar-tiny").with("depth", "2").with("numMasks", "1");
        assertEquals(changed, ExtremaConfig.fromMap(changed.toMap()));
        assertEquals(2, changed.depth());
        assertEquals(1, changed.numMasks());
    }

    @Test
    void settingsAddedLaterTakeTheValueOlderModelsWereTrainedWith() {
        Map<String, String> written = ExtremaConfig.cifarTiny().toMap();
        written.remove("predictorLrScale");
        written.remove("cropScaleMin");
        ExtremaConfig older = ExtremaConfig.fromMap(written);
        assertEquals(1.0, older.predictorLrScale());
        assertEquals(0.2, older.cropScaleMin());
        assertEquals(ExtremaConfig.cifarTiny().depth(), older.depth());

        written.remove("depth");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExtremaConfig.fromMap(written));
        assertTrue(e.getMessage().contains("'depth' is missing"), e.getMessage());
    }

    @Test
    void theModelsCropScaleIsTheCropItsViewsAreCutWith() {
        AugmentationConfig views =
                AugmentationConfig.of(ExtremaConfig.cifarTiny().with("cropScaleMin", "0.5"));
        assertEquals(0.5, views.scaleMin());
        assertEquals(1.0, views.scaleMax());
        assertEquals(AugmentationConfig.paper(32).jitterProbability(), views.jitterProbability());
        assertEquals(
                0.2,
                AugmentationConfig.of(ExtremaConfig.vitSmall16()).scaleMin(),
                "the GPU presets keep the paper's crop");
    }
}
