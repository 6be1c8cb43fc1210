package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SeedsTest {

    @Test
    void theFormulaCheckpointsRecordIsTheOneDeriveComputes() {
        // Checkpoint headers written before Seeds existed say exactly this; resuming relies on the same derivation.
        assertEquals("seed*0x9E3779B97F4A7C15+step+skipped", Seeds.formula("step+skipped"));
        assertEquals(42 * 0x9E3779B97F4A7C15L + 7, Seeds.derive(42, 7));
    }
}
