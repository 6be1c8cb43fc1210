package io.extrema.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RowsTest {

    @Test
    void splitAndPackAreInverse() {
        float[] flat = {1, 2, 3, 4, 5, 6}; // [3, 2]
        float[][] rows = Rows.split(flat, 3);
        assertArrayEquals(new float[] {3, 4}, rows[1]);
        assertArrayEquals(flat, Rows.pack(rows, 0, 3));
        assertArrayEquals(new float[] {3, 4, 5, 6}, Rows.pack(rows, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Rows.split(flat, 4));
        assertThrows(IllegalArgumentException.class, () -> Rows.pack(new float[][] {{1, 2}, {3}}, 0, 2));
    }

    @Test
    void normalisedRowsHaveUnitLengthAndZeroStaysZero() {
        assertArrayEquals(new float[] {0.6f, -0.8f}, Rows.normalised(new float[] {3, -4}), 1e-7f);
        assertArrayEquals(new float[] {0, 0}, Rows.normalised(new float[] {0, 0}));
        assertEquals(5.0, Rows.norm(new float[] {9, 3, 4, 9}, 1, 2), 1e-12);
    }
}
