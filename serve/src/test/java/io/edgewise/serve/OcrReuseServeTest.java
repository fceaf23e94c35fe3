package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.reuse.OcrReuseOptions;
import io.edgewise.apps.ocr.reuse.ReusingOcr;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.apps.ocr.stream.FrameScore;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServedModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCR pipeline served with a "reuse" section: a store first filled and calibrated in-process by a camera stream
 * (as a device that has been reading for a while), then the server, opened on that store, answers later frames of the
 * same pages. Reused answers read the frames' truth; the response parameters say hit; parameters.reuse=false
 * computes (the answer is the in-process pipeline's); the meters count hits and time saved. A malformed section makes the model unavailable, naming the key.
 */
class OcrReuseServeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MODELS = Path.of("../shared/testdata/ocr");

  @TempDir
  Path dir;

  @Test
  void reusedFramesAreAnsweredWithTheirTextAndCounted() throws Exception {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    List<CameraStream.Frame> frames = ServeFixture.ocrFrames(110);
    Path store = dir.resolve("store");
    // the served configuration: 90% target; the rest the reuse module's defaults (30 decisions to start)
    ReuseOptions reuse = ReuseOptions.defaults().withAccuracyTarget(0.9);
    // what the pipeline reads on the frame the opt-out request sends (PNG is lossless: the same pixels)
    List<String> computed;
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"));
        ReuseStore s = ReuseStore.open(store, ReuseStoreOptions.defaults())) {
      ReusingOcr r = new ReusingOcr(ocr, new OcrReuseOptions(true, true, reuse), s, List.of(),
          new SimpleMeterRegistry());
      for (CameraStream.Frame f : frames.subList(0, 100)) {
        r.read(f.image());
      }
      r.save();
      computed = ocr.read(frames.get(105).image()).lines().stream().map(io.edgewise.apps.ocr.OcrLine::text).toList();
    }
    Path repo = Files.createDirectories(dir.resolve("repo").resolve("ocr"));
    Files.writeString(repo.resolve("config.json"), ServeFixture.ocrConfig("{\"store\": \"" + store.toAbsolutePath()
        + "\", \"accuracy_target\": 0.9}"));
    try (ServeFixture fixture = ServeFixture.start(dir.resolve("repo"), SessionOptions.defaults().withDevice("cpu"))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI infer = URI.create(fixture.url() + "/v2/models/ocr/infer");
      int hits = 0;
      for (CameraStream.Frame f : frames.subList(100, 110)) {
        JsonNode answer = infer(http, infer, f, "");
        String outcome = answer.get("parameters").get("reuse").asText();
        JsonNode doc = JSON.readTree(answer.get("outputs").get(0).get("data").get(0).asText());
        assertEquals(outcome, doc.get("reuse").get("frame").asText());
        List<String> texts = new ArrayList<>();
        doc.get("lines").forEach(l -> texts.add(l.get("text").asText()));
        if (outcome.equals("hit")) {
          hits++;
          assertTrue(FrameScore.score(f.truth(), texts).cer() <= 0.02, "reused frame " + f.index() + " read " + texts
              + ", truth " + f.truth());
          assertEquals(0, doc.get("timing_ms").get("det").asDouble(), "no detector ran");
        }
      }
      assertTrue(hits >= 5, "only " + hits + " of 10 frames of pages the store knows were reused");
      double counted = fixture.metrics.registry().find("edgewise.reuse.requests").tag("outcome", "hit")
          .tag("tap", OcrReuseOptions.FRAME_TAP).counter().count();
      assertEquals(hits, counted, 1e-9);
      assertTrue(fixture.metrics.registry().find("edgewise.reuse.saved").tag("tap", OcrReuseOptions.FRAME_TAP)
          .counter().count() > 0, "time saved");

      // a client that opts out gets the frame computed
      CameraStream.Frame f = frames.get(105);
      JsonNode off = infer(http, infer, f, "\"parameters\": {\"reuse\": false}, ");
      assertEquals("off", off.get("parameters").get("reuse").asText());
      JsonNode doc = JSON.readTree(off.get("outputs").get(0).get("data").get(0).asText());
      List<String> texts = new ArrayList<>();
      doc.get("lines").forEach(l -> texts.add(l.get("text").asText()));
      assertEquals(computed, texts, "computed in full, as in-process");
      assertTrue(doc.get("timing_ms").get("det").asDouble() > 0, "the detector ran");
      // and a reuse parameter that is not a flag is refused
      HttpResponse<String> bad = http.send(request(infer, f, "\"parameters\": {\"reuse\": \"no\"}, "),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("reuse"), bad.body());
    }
  }

  @Test
  void aMalformedReuseSectionMakesTheModelUnavailableNamingTheKey() throws Exception {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    Path repo = Files.createDirectories(dir.resolve("repo").resolve("ocr"));
    Files.writeString(repo.resolve("config.json"), ServeFixture.ocrConfig("{\"store\": \"x\", \"acuracy\": 0.9}"));
    try (ModelRepository r = ModelRepository.open(dir.resolve("repo"), SessionOptions.defaults().withDevice("cpu"))) {
      ServedModel m = r.all().get(0);
      assertTrue(!m.isReady() && m.failure().contains("unknown key \"acuracy\""), String.valueOf(m.failure()));
    }
    Files.writeString(repo.resolve("config.json"),
        ServeFixture.ocrConfig("{\"store\": \"x\", \"accuracy_target\": 1.5}"));
    try (ModelRepository r = ModelRepository.open(dir.resolve("repo"), SessionOptions.defaults().withDevice("cpu"))) {
      assertTrue(r.all().get(0).failure().contains("accuracy_target"), String.valueOf(r.all().get(0).failure()));
    }
  }

  private static HttpRequest request(URI uri, CameraStream.Frame f, String parameters) throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(ImageDecoder.toBufferedImage(f.image()), "png", png);
    String body = "{" + parameters + "\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"content_type\": \"base64\"}, \"data\": [\"" + Base64.getEncoder()
        .encodeToString(png.toByteArray()) + "\"]}]}";
    return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + ServeFixture.TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
  }

  private static JsonNode infer(HttpClient http, URI uri, CameraStream.Frame f, String parameters) throws Exception {
    HttpResponse<String> r = http.send(request(uri, f, parameters), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }
}
