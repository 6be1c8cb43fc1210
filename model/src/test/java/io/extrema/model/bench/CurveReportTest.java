package io.extrema.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CurveReportTest {

    private static CurvePoint at(double minute, double accuracy) {
        return new CurvePoint(minute, 0, 0, 0, 1, 0, 0, Map.of("target-mean", accuracy), 1);
    }

    @Test
    void crossingIsInterpolatedBetweenTheEvaluationsAroundIt() {
        List<CurvePoint> curve = List.of(at(0, 0.30), at(10, 0.40), at(20, 0.50), at(30, 0.55));
        assertEquals(15.0, CurveReport.crossingMinute(curve, "target-mean", 0.45), 1e-9);
        assertEquals(10.0, CurveReport.crossingMinute(curve, "target-mean", 0.40), 1e-9);
    }

    @Test
    void aCurveThatDipsBackCountsItsFirstCrossingAndOneThatNeverReachesTheLevelHasNone() {
        List<CurvePoint> curve = List.of(at(0, 0.30), at(5, 0.46), at(10, 0.44), at(15, 0.48));
        assertEquals(0 + (0.45 - 0.30) / 0.16 * 5, CurveReport.crossingMinute(curve, "target-mean", 0.45), 1e-9);
        assertTrue(Double.isNaN(CurveReport.crossingMinute(curve, "target-mean", 0.60)));
    }
}
