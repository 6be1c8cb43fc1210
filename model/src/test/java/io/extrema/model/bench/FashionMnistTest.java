package io.extrema.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class FashionMnistTest {

    private static String row(int value) {
        return "[" + String.join(",", Collections.nCopies(FashionMnist.SIDE * FashionMnist.SIDE, "" + value)) + "]";
    }

    @Test
    void everyRowIsOneImageAndEmptyRowsAreSkipped() throws IOException {
        List<byte[]> images = FashionMnist.parse("{\"data\":[" + row(7) + ",[]," + row(255) + "]}");
        assertEquals(2, images.size());
        assertEquals(7, images.get(0)[0]);
        assertEquals(255, images.get(1)[FashionMnist.SIDE * FashionMnist.SIDE - 1] & 0xFF);
    }

    @Test
    void aShortRowOrAValueAbove255IsAnError() {
        assertThrows(IOException.class, () -> FashionMnist.parse("{\"data\":[[1,2,3]]}"));
        assertThrows(IOException.class, () -> FashionMnist.parse("{\"data\":[" + row(256) + "]}"));
    }
}
