package io.extrema.schemas.serde;

import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.AlertSeverity;
import io.extrema.schemas.avro.DeadLetter;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.ModelChunk;
import io.extrema.schemas.avro.ModelManifest;
import io.extrema.schemas.avro.ModelPart;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TokenGrid;
import io.extrema.schemas.avro.TrainingMetrics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in record of every schema, optional fields set, for round trips. */
final class SampleRecords {

    static final Instant T = Instant.ofEpochMilli(1_764_000_000_123L);

    static ImageRecord image(int payloadBytes, long seed) {
        byte[] data = new byte[payloadBytes];
        new Random(seed).nextBytes(data);
        return ImageRecord.newBuilder()
                .setId("sha256:" + Long.toHexString(seed))
                .setSource("camera-7")
                .setEventTime(T)
                .setEncoding(ImageEncoding.JPEG)
                .setWidth(32)
                .setHeight(32)
                .setChannels(3)
                .setData(ByteBuffer.wrap(data))
                .setLabel("cat")
                .setAttributes(Map.of("split", "train"))
                .build();
    }

    static EmbeddingRecord embedding() {
        return EmbeddingRecord.newBuilder()
                .setImageId("img-1")
                .setModelName("run-a")
                .setModelVersion(3)
                .setModelStep(1200)
                .setInstance(List.of(0.5f, -0.25f, 1.0f))
                .setNormalized(true)
                .setTokens(List.of(1f, 2f, 3f, 4f, 5f, 6f))
                .setTokenGrid(
                        TokenGrid.newBuilder().setRows(1).setCols(2).setDim(3).build())
                .setSource("camera-7")
                .setLabel("cat")
                .setEventTime(T)
                .setProcessingTime(T.plusMillis(5))
                .setAttributes(Map.of("k", "v"))
                .build();
    }

    static ModelPart chunk() {
        return ModelPart.newBuilder()
                .setModelName("run-a")
                .setVersion(3)
                .setStep(1200)
                .setPart(ModelChunk.newBuilder()
                        .setIndex(0)
                        .setData(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                        .setSha256("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81")
                        .build())
                .build();
    }

    static ModelPart manifest() {
        return ModelPart.newBuilder()
                .setModelName("run-a")
                .setVersion(3)
                .setStep(1200)
                .setPart(ModelManifest.newBuilder()
                        .setCreatedAt(T)
                        .setFormat("extrema-weights-v1")
                        .setSizeBytes(3)
                        .setSha256("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81")
                        .setChunkCount(1)
                        .setChunkSize(1 << 20)
                        .setConfig(Map.of("dim", "192"))
                        .setMetrics(Map.of("loss", 0.42))
                        .build())
                .build();
    }

    static TrainingMetrics metrics() {
        return TrainingMetrics.newBuilder()
                .setModelName("run-a")
                .setStep(1200)
                .setTime(T)
                .setLoss(0.42)
                .setLearningRate(1.5e-4)
                .setMomentum(0.996)
                .setImagesConsumedPerSec(120.5)
                .setImagesTrainedPerSec(98.0)
                .setReplayFill(5000)
                .setReplayCapacity(10000)
                .setReplayReuse(1.7)
                .setSkippedSteps(3)
                .setOverflowSteps(2)
                .setLossScale(16384.0)
                .setEmbeddingStd(0.06)
                .setConsumerLag(17)
                .setModelVersion(3)
                .setProbeAccuracy(0.31)
                .setExtra(Map.of("gradNorm", 1.2))
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setStage("serving")
                .setReason("unknown magic byte 0x01")
                .setErrorClass(UnknownMagicByteException.class.getName())
                .setTopic("extrema.images")
                .setPartition(2)
                .setOffset(41L)
                .setKey(ByteBuffer.wrap(new byte[] {7}))
                .setValue(ByteBuffer.wrap(new byte[] {1, 2}))
                .setHeaders(Map.of("h", ByteBuffer.wrap(new byte[] {9})))
                .setTime(T)
                .build();
    }

    static MonitorRecord monitor() {
        return MonitorRecord.newBuilder()
                .setSource("camera-7")
                .setWindowStart(T)
                .setWindowEnd(T.plusSeconds(60))
                .setModelName("run-a")
                .setModelVersions(List.of(2L, 3L))
                .setModelVersion(3)
                .setCount(640)
                .setDimension(192)
                .setMeanNorm(11.5)
                .setSpread(0.07)
                .setDriftPrevious(0.01)
                .setDriftBaseline(null)
                .setDeadLetters(2)
                .setDeadLetterShare(2.0 / 642)
                .setEmittedAt(T.plusSeconds(61))
                .build();
    }

    static AlertRecord alert() {
        return AlertRecord.newBuilder()
                .setRule("collapse")
                .setSeverity(AlertSeverity.CRITICAL)
                .setSubject("camera-7")
                .setValue(0.002)
                .setThreshold(0.01)
                .setMessage("spread fell to 0.002")
                .setModelName("run-a")
                .setModelVersion(3L)
                .setTime(T)
                .build();
    }

    /** Every record type, both ModelPart branches. */
    static List<SpecificRecord> all() {
        return List.of(image(2048, 1), embedding(), chunk(), manifest(), metrics(), deadLetter(), monitor(), alert());
    }

    private SampleRecords() {}
}
