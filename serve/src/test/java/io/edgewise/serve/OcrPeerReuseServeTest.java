package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.reuse.OcrReuseOptions;
import io.edgewise.apps.ocr.reuse.ReusedRead;
import io.edgewise.apps.ocr.reuse.ReusingOcr;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.apps.ocr.stream.FrameScore;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.peer.PeerEndpointServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
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
 * Peers' stores as tiers through serve: two servers in one JVM on loopback. Node B's store has read a camera stream
 * (in-process, as a device that has been reading for a while) and B serves it, its peer port answering look-ups from
 * the served OCR pipeline's store; node A's store is empty and its config names B's peer port. A frame B read (and
 * reused: its page is well known there) is a hit at A from B's tier: A answers B's text for it, which reads as the
 * plain pipeline reads that frame in-process (the oracle) within the frame tolerance. Node C names a peer port nobody
 * listens on: the same frame is a miss, computed in full, exactly the oracle's text, and the failed peer is counted.
 */
class OcrPeerReuseServeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MODELS = Path.of("../shared/testdata/ocr");

  @TempDir
  Path dir;

  private Path node(String name, String reuse) throws Exception {
    Path model = Files.createDirectories(dir.resolve(name).resolve("ocr"));
    Files.writeString(model.resolve("config.json"), ServeFixture.ocrConfig(reuse));
    return dir.resolve(name);
  }

  @Test
  void aFrameAPeerReadIsAHitFromItsTierAndADeadPeerIsAMiss() throws Exception {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    List<CameraStream.Frame> frames = ServeFixture.ocrFrames(100);
    Path storeB = dir.resolve("store-b");
    // frames only: a frame B computed is stored with exactly the lines the plain pipeline reads
    ReuseOptions reuse = ReuseOptions.defaults().withAccuracyTarget(0.9);
    CameraStream.Frame asked = null;
    List<String> oracle;
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"));
        ReuseStore s = ReuseStore.open(storeB, ReuseStoreOptions.defaults())) {
      ReusingOcr b = new ReusingOcr(ocr, new OcrReuseOptions(true, false, reuse), s, List.of(),
          new SimpleMeterRegistry());
      for (CameraStream.Frame f : frames) {
        ReusedRead r = b.read(f.image());
        if (r.frame().equals("hit")) {
          asked = f;  // the last frame B reused: B answers it from its store
        }
      }
      b.save();
      assumeTrue(asked != null, "B reused no frame of the stream");
      oracle = texts(ocr.read(asked.image()).lines());
    }
    assertTrue(!oracle.isEmpty(), "the oracle reads text on frame " + asked.index());
    Path tokenFile = Files.writeString(dir.resolve("peer-token"), ServeFixture.TOKEN + "\n");
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();  // closed again: nothing listens there
    }
    SessionOptions cpu = SessionOptions.defaults().withDevice("cpu");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ServeFixture nodeB = ServeFixture.start(node("b", "{\"store\": \"" + storeB.toAbsolutePath()
            + "\", \"accuracy_target\": 0.9, \"lines\": false}"), cpu);
        PeerEndpointServer peerB = new PeerEndpointServer()) {
      int portB = peerB.start(new PeerEndpoint.Context("127.0.0.1", 0, nodeB.repository,
          TokenAuthenticator.of(List.of(ServeFixture.TOKEN)), ServeLimits.defaults(), nodeB.scheduler,
          nodeB.metrics, null, null));
      String tierB = "peer:127.0.0.1:" + portB;
      // a generous timeout: the first look-up connects and warms both JVM paths up; no time is asserted
      try (ServeFixture nodeA = ServeFixture.start(node("a", "{\"store\": \""
              + dir.resolve("store-a").toAbsolutePath() + "\", \"accuracy_target\": 0.9, \"lines\": false, "
              + "\"peers\": [\"127.0.0.1:" + portB + "\"], \"peer_timeout_ms\": 10000, \"peer_token_file\": \""
              + tokenFile.toAbsolutePath() + "\"}"), cpu)) {
        JsonNode answer = infer(http, URI.create(nodeA.url() + "/v2/models/ocr/infer"), asked);
        JsonNode p = answer.get("parameters");
        assertEquals("hit", p.get("reuse").asText(), answer.toString());
        assertEquals(tierB, p.get("reuse_tier").asText(), "the hit came from B's tier");
        JsonNode doc = document(answer);
        assertEquals(tierB, doc.get("reuse").get("tier").asText());
        assertEquals(0, doc.get("timing_ms").get("det").asDouble(), "no detector ran at A");
        List<String> fromB = texts(document(infer(http, URI.create(nodeB.url() + "/v2/models/ocr/infer"), asked)));
        assertEquals(fromB, texts(doc), "A answers the text B answers for this frame");
        assertTrue(FrameScore.score(oracle, texts(doc)).cer() <= OcrReuseOptions.FRAME_TOLERANCE, "A read "
            + texts(doc) + ", the plain pipeline " + oracle);
        Counter hits = nodeA.metrics.registry().find("edgewise.reuse.tier.hits").tag("tier", tierB)
            .tag("tap", OcrReuseOptions.FRAME_TAP).counter();
        assertEquals(1, hits == null ? 0 : hits.count(), 1e-9, "A counts the hit for B's tier");
        assertTrue(nodeA.metrics.scrape().contains("edgewise_reuse_tier_hits_total{"), "on /metrics");
      }
      try (ServeFixture nodeC = ServeFixture.start(node("c", "{\"store\": \""
              + dir.resolve("store-c").toAbsolutePath() + "\", \"accuracy_target\": 0.9, \"lines\": false, "
              + "\"peers\": [\"127.0.0.1:" + dead + "\"]}"), cpu)) {
        JsonNode answer = infer(http, URI.create(nodeC.url() + "/v2/models/ocr/infer"), asked);
        assertEquals("miss", answer.get("parameters").get("reuse").asText(), answer.toString());
        assertEquals("-", answer.get("parameters").get("reuse_tier").asText());
        JsonNode doc = document(answer);
        assertTrue(doc.get("timing_ms").get("det").asDouble() > 0, "C computed the frame");
        assertEquals(oracle, texts(doc), "computed in full, as in-process");
        Counter failures = nodeC.metrics.registry().find("edgewise.reuse.peer.failures")
            .tag("peer", "peer:127.0.0.1:" + dead).counter();
        assertTrue(failures != null && failures.count() >= 1, "the dead peer's failure is counted");
      }
    }
  }

  @Test
  void badPeersMakeTheModelUnavailableNamingTheKey() throws Exception {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    String[][] cases = {
        {"\"peers\": [\"localhost\"]", "peers[0]"},
        {"\"peers\": [\"h:70000\"]", "peers[0]"},
        {"\"peers\": \"h:1\"", ".peers must be a list"},
        {"\"peers\": [\"h:1\"], \"peer_timeout_ms\": 0", "peer_timeout_ms"},
        {"\"peers\": [\"h:1\"], \"peer_token_file\": \"" + dir.resolve("absent") + "\"", "peer_token_file"}};
    for (String[] c : cases) {
      Path repo = node("bad", "{\"store\": \"" + dir.resolve("s").toAbsolutePath() + "\", " + c[0] + "}");
      try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("cpu"))) {
        ServedModel m = r.all().get(0);
        assertTrue(!m.isReady() && m.failure().contains(c[1]), c[0] + ": " + m.failure());
      }
    }
  }

  private static List<String> texts(List<OcrLine> lines) {
    return lines.stream().map(OcrLine::text).toList();
  }

  private static List<String> texts(JsonNode doc) {
    List<String> out = new ArrayList<>();
    doc.get("lines").forEach(l -> out.add(l.get("text").asText()));
    return out;
  }

  private static JsonNode document(JsonNode answer) throws Exception {
    return JSON.readTree(answer.get("outputs").get(0).get("data").get(0).asText());
  }

  private static JsonNode infer(HttpClient http, URI uri, CameraStream.Frame f) throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(ImageDecoder.toBufferedImage(f.image()), "png", png);
    String body = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"content_type\": \"base64\"}, \"data\": [\"" + Base64.getEncoder()
        .encodeToString(png.toByteArray()) + "\"]}]}";
    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + ServeFixture.TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }
}
