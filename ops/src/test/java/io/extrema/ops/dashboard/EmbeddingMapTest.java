package io.extrema.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingMapTest {

    @Test
    void theFirstAxisSeparatesTwoClustersAndOnlyTheNewestVersionIsMapped() {
        Random random = new Random(3);
        List<EmbeddingMap.Point> points = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            boolean a = i % 2 == 0;
            float[] v = new float[32];
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) (0.05 * random.nextGaussian() + (a ? (d < 16 ? 1 : 0) : (d < 16 ? 0 : 1)));
            }
            points.add(new EmbeddingMap.Point("img-" + i, a ? "a" : "b", "cam", "run", 2, v));
        }
        for (int i = 0; i < 50; i++) {
            points.add(new EmbeddingMap.Point("old-" + i, "a", "cam", "run", 1, new float[] {1, 2, 3}));
        }

        Map<String, Object> map = EmbeddingMap.project(points);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) map.get("points");
        assertEquals(2L, map.get("version"));
        assertEquals(200, rows.size(), "version 1 embeddings live in another space and stay off the map");
        double minA = Double.MAX_VALUE, maxA = -Double.MAX_VALUE, minB = Double.MAX_VALUE, maxB = -Double.MAX_VALUE;
        for (Map<String, Object> row : rows) {
            double x = (Double) row.get("x");
            if (row.get("label").equals("a")) {
                minA = Math.min(minA, x);
                maxA = Math.max(maxA, x);
            } else {
                minB = Math.min(minB, x);
                maxB = Math.max(maxB, x);
            }
        }
        assertTrue(
                maxA < minB || maxB < minA,
                "clusters overlap on the first axis: a [" + minA + ", " + maxA + "], b [" + minB + ", " + maxB + "]");
    }
}
