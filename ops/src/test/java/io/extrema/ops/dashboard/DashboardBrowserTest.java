package io.extrema.ops.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.extrema.schemas.avro.AlertRecord;
import io.extrema.schemas.avro.AlertSeverity;
import io.extrema.schemas.avro.EmbeddingRecord;
import io.extrema.schemas.avro.ImageEncoding;
import io.extrema.schemas.avro.ImageRecord;
import io.extrema.schemas.avro.MonitorRecord;
import io.extrema.schemas.avro.TrainingMetrics;
import io.extrema.schemas.models.ModelVersion;
import io.extrema.schemas.models.ModelVersionCodec;
import io.extrema.schemas.serde.SpecificAvroSerializer;
import io.extrema.stack.StackEndpoints;
import io.extrema.stack.junit.LocalStackExtension;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard end to end: records on real topics (broker + registry of the local stack), the dashboard reading
 * them, and Debian's headless Chromium showing the page. Charts must hold the topics' data and the console must stay
 * free of errors, in the dark and the light palette. Screenshots: target/dashboard-test.png, -light.png.
 */
@ExtendWith(LocalStackExtension.class)
class DashboardBrowserTest {
    static final Path SCREENSHOT = Path.of("target", "dashboard-test.png");
    static final Path SCREENSHOT_LIGHT = Path.of("target", "dashboard-test-light.png");
    static final int STEPS = 60, VERSIONS = 3, WINDOWS = 20, EMBEDDINGS = 240;
    static final String[] CLASSES = {"airplane", "cat", "ship"};
    static final Color[] COLOURS = {new Color(90, 140, 220), new Color(200, 120, 60), new Color(60, 170, 120)};

    @Test
    void pageShowsTheTopicsLiveWithoutConsoleErrors(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> settings = new HashMap<>();
        settings.put(DashboardConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
        settings.put(DashboardConfig.REGISTRY_URL, stack.registryUrl());
        settings.put(DashboardConfig.PORT, 0);
        for (String topic : List.of(
                DashboardConfig.METRICS_TOPIC,
                DashboardConfig.MONITOR_TOPIC,
                DashboardConfig.ALERTS_TOPIC,
                DashboardConfig.MODELS_TOPIC,
                DashboardConfig.EMBEDDINGS_TOPIC,
                DashboardConfig.IMAGES_TOPIC)) {
            String name = "dash-" + topic.substring("topic.".length()) + "-" + run;
            LocalStackExtension.createTopic(stack, name, 1);
            settings.put(topic, name);
        }
        DashboardConfig config = new DashboardConfig(settings);
        produceHistory(stack, config);

        try (DashboardServer dashboard = new DashboardServer(config, Map.of()).start();
                Chromium chromium = Chromium.start()) {
            long started = System.nanoTime();
            chromium.navigate(dashboard.url());
            JsonNode counts = awaitCounts(chromium);
            double firstChartMs = chromium.eval("window.extremaFirstChartMs").asDouble();

            assertEquals(STEPS, counts.get("loss").asInt(), "loss points: " + counts);
            assertEquals(STEPS, counts.get("lr").asInt());
            assertEquals(STEPS / 10, counts.get("probe").asInt(), "probe points every 10th step");
            assertEquals(2, counts.get("driftSeries").asInt(), "one drift line per source");
            assertEquals(WINDOWS, counts.get("driftPoints").asInt());
            assertEquals(VERSIONS, counts.get("models").asInt());
            assertEquals(EMBEDDINGS, counts.get("mapPoints").asInt());
            assertEquals(CLASSES.length, counts.get("mapGroups").asInt(), "map coloured by label");
            assertEquals(3, counts.get("alerts").asInt());
            assertTrue(counts.get("embeddedPoints").asInt() > 0, "embedded rate from the embeddings topic");

            // Hover the first map point: its thumbnail comes from the images topic through /thumb/<id>.
            String thumbnail = chromium.eval("new Promise(r => { const t0 = Date.now(); (function poll() {"
                            + " const img = document.querySelector('.thumb img');"
                            + " if (img && img.complete && img.naturalWidth > 0) return r(img.src + ' ' + img.naturalWidth);"
                            + " if (Date.now() - t0 > 15000) return r('none');"
                            + " if (!img) extremaCharts.map.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});"
                            + " setTimeout(poll, 200); })(); })")
                    .asText();
            assertTrue(thumbnail.contains("/thumb/img-") && thumbnail.endsWith(" 32"), "thumbnail shown: " + thumbnail);

            chromium.screenshot(SCREENSHOT);
            // The light palette: every chart is rebuilt with the same data.
            chromium.eval("document.getElementById('theme').click(), true");
            String light = chromium.eval("new Promise(r => setTimeout(() => r(document.documentElement.className + ' '"
                            + " + extremaCharts.loss.getOption().series[0].data.length), 1000))")
                    .asText();
            assertEquals("light " + STEPS, light);
            chromium.screenshot(SCREENSHOT_LIGHT);
            List<String> errors = chromium.errors();
            assertTrue(errors.isEmpty(), "console errors: " + errors);

            HttpClient http = HttpClient.newHttpClient();
            String prometheus = http.send(
                            HttpRequest.newBuilder(URI.create(dashboard.url() + "metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(prometheus.contains("extrema_trainer_loss{model=\"run-" + run + "\"}"), prometheus);
            assertTrue(prometheus.contains("extrema_monitor_spread_ratio{"), prometheus);

            String timing = String.format(
                    "first chart %.0f ms after navigation start; all charts filled %.0f ms "
                            + "after navigate() was sent%n",
                    firstChartMs, (System.nanoTime() - started) / 1e6);
            Files.writeString(Path.of("target", "dashboard-timing.txt"), timing);
            System.out.print(timing);
        }
    }

    /** Waits until every chart holds the topics' data, then returns the counts the page reports. */
    private static JsonNode awaitCounts(Chromium chromium) throws Exception {
        String counts = "(() => { const c = window.extremaCharts; if (!c || !c.loss) return null;"
                + " const s = (k) => ((c[k].getOption() || {}).series || []);"
                + " const n = (k, i) => (s(k)[i] ? s(k)[i].data.length : 0);"
                + " return { loss: n('loss', 0), lr: n('loss', 1), probe: n('probe', 0),"
                + "  driftSeries: s('drift').length, driftPoints: n('drift', 0), models: n('models', 0),"
                + "  mapPoints: s('map').reduce((a, x) => a + x.data.length, 0), mapGroups: s('map').length,"
                + "  embeddedPoints: n('rate', 2), alerts: document.querySelectorAll('#alerts .alert').length }; })()";
        long deadline = System.nanoTime() + 90_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = chromium.eval(counts);
            if (!last.isNull()
                    && last.get("loss").asInt() == STEPS
                    && last.get("mapPoints").asInt() == EMBEDDINGS
                    && last.get("models").asInt() == VERSIONS
                    && last.get("alerts").asInt() == 3
                    && last.get("driftPoints").asInt() == WINDOWS) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                "charts did not fill within 90 s; last counts " + last + "; errors " + chromium.errors());
    }

    /** A training run, its model versions, monitor windows, alerts, images and their embeddings. */
    private static void produceHistory(StackEndpoints stack, DashboardConfig config) throws Exception {
        Map<String, Object> serde = Map.of("schema.registry.url", stack.registryUrl());
        String model = "run-" + config.getString(DashboardConfig.METRICS_TOPIC).substring("dash-metrics-".length());
        long now = System.currentTimeMillis();
        Random random = new Random(1);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            Sender send = new Sender(producer, serde);
            String metrics = config.getString(DashboardConfig.METRICS_TOPIC);
            for (int i = 0; i < STEPS; i++) {
                long step = i * 50L;
                double lr = 1.5e-4 * Math.min(1, (i + 1) / 10.0);
                send.to(
                        metrics,
                        model,
                        TrainingMetrics.newBuilder()
                                .setModelName(model)
                                .setStep(step)
                                .setTime(Instant.ofEpochMilli(now - (STEPS - i) * 5_000L))
                                .setLoss(2.0 * Math.exp(-i / 20.0) + 0.3 + 0.05 * random.nextDouble())
                                .setLearningRate(lr)
                                .setMomentum(0.99)
                                .setImagesConsumedPerSec(120 + 10 * random.nextDouble())
                                .setImagesTrainedPerSec(95 + 10 * random.nextDouble())
                                .setReplayFill(4000)
                                .setReplayCapacity(8192)
                                .setReplayReuse(1.5)
                                .setSkippedSteps(0)
                                .setEmbeddingStd(0.05)
                                .setConsumerLag(200 + i)
                                .setModelVersion(i / 20 + 1)
                                .setProbeAccuracy(i % 10 == 9 ? 0.2 + i / 200.0 : null)
                                .build());
            }
            String models = config.getString(DashboardConfig.MODELS_TOPIC);
            for (int v = 1; v <= VERSIONS; v++) {
                ModelVersion version = new ModelVersion(
                        model,
                        v,
                        v * 1000L,
                        "extrema-weights-v1",
                        Map.of("preset", "cifarTiny"),
                        Map.of("loss", 1.0 / v),
                        new byte[2048 + v],
                        now - (VERSIONS - v) * 100_000L);
                for (ModelVersionCodec.KeyedPart part : ModelVersionCodec.toParts(version, 1024)) {
                    send.to(models, part.key(), part.part());
                }
            }
            String monitor = config.getString(DashboardConfig.MONITOR_TOPIC);
            for (int w = 0; w < WINDOWS; w++) {
                for (String source : List.of("camera-north", "camera-south")) {
                    long end = now - (WINDOWS - w) * 60_000L;
                    boolean drifting = source.equals("camera-south") && w >= 15;
                    send.to(
                            monitor,
                            source,
                            MonitorRecord.newBuilder()
                                    .setSource(source)
                                    .setWindowStart(Instant.ofEpochMilli(end - 60_000))
                                    .setWindowEnd(Instant.ofEpochMilli(end))
                                    .setModelName(model)
                                    .setModelVersions(List.of(w / 7 + 1L))
                                    .setModelVersion(w / 7 + 1L)
                                    .setCount(500)
                                    .setDimension(64)
                                    .setMeanNorm(8.0)
                                    .setSpread(
                                            (drifting ? 0.75 : source.equals("camera-south") ? 0.9 : 0.97 - w * 0.004)
                                                    / 8.0)
                                    .setDriftPrevious(0.02 + 0.01 * random.nextDouble())
                                    .setDriftBaseline(
                                            w < 3 ? null : (drifting ? 0.35 : 0.05) + 0.02 * random.nextDouble())
                                    .setDeadLetters(2)
                                    .setDeadLetterShare(0.004)
                                    .setEmittedAt(Instant.ofEpochMilli(end))
                                    .build());
                }
            }
            String alerts = config.getString(DashboardConfig.ALERTS_TOPIC);
            send.to(
                    alerts,
                    "drift/camera-south",
                    alert("drift", AlertSeverity.WARNING, "camera-south", 0.36, 0.2, now - 240_000));
            send.to(
                    alerts,
                    "loss_not_finite/" + model,
                    alert("loss_not_finite", AlertSeverity.CRITICAL, model, Double.NaN, Double.NaN, now - 120_000));
            send.to(
                    alerts,
                    "model_stale/" + model,
                    alert("model_stale", AlertSeverity.WARNING, model, 2.4e6, 1.8e6, now - 30_000));

            String images = config.getString(DashboardConfig.IMAGES_TOPIC);
            String embeddings = config.getString(DashboardConfig.EMBEDDINGS_TOPIC);
            float[][] centres = new float[CLASSES.length][16];
            for (float[] c : centres) {
                for (int d = 0; d < c.length; d++) {
                    c[d] = (float) random.nextGaussian();
                }
            }
            for (int i = 0; i < EMBEDDINGS; i++) {
                int k = i % CLASSES.length;
                String id = "img-" + i;
                send.to(
                        images,
                        id,
                        ImageRecord.newBuilder()
                                .setId(id)
                                .setSource(i % 2 == 0 ? "camera-north" : "camera-south")
                                .setEventTime(Instant.ofEpochMilli(now))
                                .setEncoding(ImageEncoding.JPEG)
                                .setWidth(32)
                                .setHeight(32)
                                .setChannels(3)
                                .setData(ByteBuffer.wrap(jpeg(COLOURS[k], random)))
                                .setLabel(CLASSES[k])
                                .build());
                List<Float> vector = new ArrayList<>();
                for (int d = 0; d < 16; d++) {
                    vector.add(centres[k][d] + 0.4f * (float) random.nextGaussian());
                }
                send.to(
                        embeddings,
                        id,
                        EmbeddingRecord.newBuilder()
                                .setImageId(id)
                                .setModelName(model)
                                .setModelVersion(VERSIONS)
                                .setInstance(vector)
                                .setSource(i % 2 == 0 ? "camera-north" : "camera-south")
                                .setLabel(CLASSES[k])
                                .setEventTime(Instant.ofEpochMilli(now))
                                .setProcessingTime(Instant.ofEpochMilli(now - (EMBEDDINGS - i) * 50L))
                                .build());
            }
            producer.flush();
        }
    }

    private static AlertRecord alert(
            String rule, AlertSeverity severity, String subject, double value, double threshold, long time) {
        return AlertRecord.newBuilder()
                .setRule(rule)
                .setSeverity(severity)
                .setSubject(subject)
                .setValue(value)
                .setThreshold(threshold)
                .setMessage(rule + " on " + subject)
                .setTime(Instant.ofEpochMilli(time))
                .build();
    }

    private static byte[] jpeg(Color colour, Random random) throws Exception {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(colour.darker());
        g.fillRect(0, 0, 32, 32);
        g.setColor(colour.brighter());
        g.fillOval(4 + random.nextInt(8), 4 + random.nextInt(8), 16, 16);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    /** Serialises each record with the project's Avro serializer (registry, Confluent wire format) and sends it. */
    private static final class Sender {
        private final KafkaProducer<String, byte[]> producer;
        private final SpecificAvroSerializer<SpecificRecord> serializer = new SpecificAvroSerializer<>();

        Sender(KafkaProducer<String, byte[]> producer, Map<String, Object> serde) {
            this.producer = producer;
            serializer.configure(serde, false);
        }

        void to(String topic, String key, SpecificRecord value) {
            producer.send(new ProducerRecord<>(topic, key, serializer.serialize(topic, value)));
        }
    }
}
