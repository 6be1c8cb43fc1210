package io.extrema.ops.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The page's view of each record: flat JSON objects with times in epoch milliseconds. Non-finite numbers become
 * null (JSON has no NaN) and the page shows them as gaps; alerts keep the text ("NaN") in {@code valueText}.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static Map<String, Object> metrics(TrainingMetrics m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", m.getModelName());
        o.put("step", m.getStep());
        o.put("time", m.getTime().toEpochMilli());
        o.put("loss", num(m.getLoss()));
        o.put("lr", num(m.getLearningRate()));
        o.put("momentum", num(m.getMomentum()));
        o.put("consumed", num(m.getImagesConsumedPerSec()));
        o.put("trained", num(m.getImagesTrainedPerSec()));
        o.put("replayFill", m.getReplayFill());
        o.put("replayCapacity", m.getReplayCapacity());
        o.put("embeddingStd", num(m.getEmbeddingStd()));
        o.put("lag", m.getConsumerLag());
        o.put("version", m.getModelVersion());
        o.put("probe", m.getProbeAccuracy() == null ? null : num(m.getProbeAccuracy()));
        return o;
    }

    static Map<String, Object> monitor(MonitorRecord w) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("source", w.getSource());
        o.put("start", w.getWindowStart().toEpochMilli());
        o.put("end", w.getWindowEnd().toEpochMilli());
        o.put("model", w.getModelName());
        o.put("version", w.getModelVersion());
        o.put("versions", w.getModelVersions());
        o.put("count", w.getCount());
        o.put("meanNorm", num(w.getMeanNorm()));
        o.put("spread", num(w.getSpread()));
        o.put("spreadRatio", w.getDimension() == 0 ? null : num(w.getSpread() * Math.sqrt(w.getDimension())));
        o.put("driftPrevious", w.getDriftPrevious());
        o.put("driftBaseline", w.getDriftBaseline());
        o.put("deadLetterShare", num(w.getDeadLetterShare()));
        return o;
    }

    static Map<String, Object> alert(AlertRecord a) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("rule", a.getRule());
        o.put("severity", a.getSeverity().name());
        o.put("subject", a.getSubject());
        o.put("value", num(a.getValue()));
        o.put("valueText", Double.toString(a.getValue()));
        o.put("threshold", num(a.getThreshold()));
        o.put("message", a.getMessage());
        o.put("time", a.getTime().toEpochMilli());
        return o;
    }

    /** A model version, from its manifest (chunks carry only weights). */
    static Map<String, Object> model(ModelPart part, ModelManifest manifest) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", part.getModelName());
        o.put("version", part.getVersion());
        o.put("step", part.getStep());
        o.put("time", manifest.getCreatedAt().toEpochMilli());
        o.put("sizeBytes", manifest.getSizeBytes());
        Map<String, Object> metrics = new LinkedHashMap<>();
        manifest.getMetrics().forEach((k, v) -> metrics.put(k, num(v)));
        o.put("metrics", metrics);
        return o;
    }

    private Json() {}
}
