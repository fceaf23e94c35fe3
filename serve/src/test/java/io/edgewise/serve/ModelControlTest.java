package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.files.FileTrees;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.ModelControl;
import io.edgewise.serve.common.ModelLease;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ModelUnavailableException;
import io.edgewise.serve.common.RepositoryOptions;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's model repository extension over real HTTP (index, load, unload; auth; an unload waiting for a request in
 * flight while new ones get 503), and POLL's rescans (a new version appears, a removed one goes, a changed file is
 * swapped in while the old session finishes its request).
 */
class ModelControlTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final String DIGITS_INFER = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\","
      + "\"data\":[" + "0.5,".repeat(63) + "0.5]}]}";

  @TempDir
  Path repo;

  static HttpResponse<String> post(ServeFixture f, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.url() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static CompletableFuture<HttpResponse<String>> postAsync(ServeFixture f, String path, String body) {
    return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(f.url() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + ServeFixture.TOKEN)
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** name/version -> state of the index. */
  static Map<String, String> states(ServeFixture f, String body) throws Exception {
    HttpResponse<String> r = post(f, "/v2/repository/index", ServeFixture.TOKEN, body);
    assertEquals(200, r.statusCode(), r.body());
    Map<String, String> out = new java.util.TreeMap<>();
    for (JsonNode e : JSON.readTree(r.body())) {
      out.put(e.get("name").asText() + "/" + e.get("version").asText(), e.get("state").asText());
      assertTrue(e.has("reason"), r.body());
    }
    return out;
  }

  static ServeFixture explicit(Path repo) {
    return ServeFixture.start(repo, "ref", RepositoryOptions.defaults().withControl(ModelControl.EXPLICIT,
        Duration.ofHours(1)), ServeLimits.defaults());
  }

  @Test
  void indexLoadAndUnloadOverHttp() throws Exception {
    ServeFixture.digitsRepository(repo);
    ServeFixture.addModel(repo, "digits_cnn_0to4", "other", "1");
    try (ServeFixture f = explicit(repo)) {
      // explicit control: nothing loads at start
      assertEquals(Map.of("digits/1", "UNAVAILABLE", "digits/2", "UNAVAILABLE", "other/1", "UNAVAILABLE"),
          states(f, ""));
      HttpResponse<String> r = post(f, "/v2/models/digits/versions/1/infer", ServeFixture.TOKEN, DIGITS_INFER);
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("not loaded"), r.body());
      // the extension needs the token like every other endpoint
      assertEquals(401, post(f, "/v2/repository/index", null, "").statusCode());
      assertEquals(401, post(f, "/v2/repository/models/digits/load", null, "").statusCode());
      assertEquals(401, post(f, "/v2/repository/models/digits/unload", "wrong-token-0123456789", "").statusCode());

      r = post(f, "/v2/repository/models/digits/load", ServeFixture.TOKEN, "");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(Map.of("digits/1", "READY", "digits/2", "READY", "other/1", "UNAVAILABLE"), states(f, ""));
      assertEquals(Map.of("digits/1", "READY", "digits/2", "READY"), states(f, "{\"ready\": true}"));
      r = post(f, "/v2/models/digits/versions/1/infer", ServeFixture.TOKEN, DIGITS_INFER);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(10, JSON.readTree(r.body()).get("outputs").get(0).get("data").size());

      r = post(f, "/v2/repository/models/digits/unload", ServeFixture.TOKEN, "{}");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(Map.of("digits/1", "UNAVAILABLE", "digits/2", "UNAVAILABLE", "other/1", "UNAVAILABLE"),
          states(f, ""));
      assertEquals(Map.of(), states(f, "{\"ready\": true}"));
      r = post(f, "/v2/models/digits/infer", ServeFixture.TOKEN, DIGITS_INFER);
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("unloaded"), r.body());

      // bad requests: a reason, never a crash
      assertEquals(404, post(f, "/v2/repository/models/nope/load", ServeFixture.TOKEN, "").statusCode());
      assertEquals(404, post(f, "/v2/repository/models/nope/unload", ServeFixture.TOKEN, "").statusCode());
      assertEquals(400, post(f, "/v2/repository/index", ServeFixture.TOKEN, "{\"ready\": 3}").statusCode());
      assertEquals(400, post(f, "/v2/repository/index", ServeFixture.TOKEN, "[1]").statusCode());
      assertEquals(400, post(f, "/v2/repository/models/digits/load", ServeFixture.TOKEN, "{\"parameters\": 1}")
          .statusCode());
      r = post(f, "/v2/repository/models/digits/load", ServeFixture.TOKEN,
          "{\"parameters\": {\"config\": \"{\\\"devic\\\": \\\"ref\\\"}\"}}");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("unknown key"), r.body());
      assertEquals(Map.of(), states(f, "{\"ready\": true}"));
      // a config given with the load replaces config.json: here a device of its own
      r = post(f, "/v2/repository/models/other/load", ServeFixture.TOKEN,
          "{\"parameters\": {\"config\": \"{\\\"device\\\": \\\"cpu\\\", \\\"threads\\\": 1}\"}}");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("cpu", f.repository.find("other", "1").orElseThrow().session().deviceName());
      assertEquals(405, HTTP.send(HttpRequest.newBuilder(URI.create(f.url() + "/v2/repository/index"))
          .header("Authorization", "Bearer " + ServeFixture.TOKEN).GET().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
    }
  }

  @Test
  void loadAndUnloadAreRefusedWithoutExplicitControl() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ServeFixture f = ServeFixture.start(repo)) {
      HttpResponse<String> r = post(f, "/v2/repository/models/digits/unload", ServeFixture.TOKEN, "");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("model control none"), r.body());
      assertEquals(Map.of("digits/1", "READY", "digits/2", "READY"), states(f, ""));
    }
  }

  @Test
  void unloadWaitsForTheRequestInFlightAndRefusesNewOnesWith503() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ServeFixture f = explicit(repo)) {
      assertEquals(200, post(f, "/v2/repository/models/digits/load", ServeFixture.TOKEN, "").statusCode());
      // a request in flight: it holds the model as the HTTP handler does while it runs
      ModelLease inFlight = f.repository.acquire("digits", "1");
      CompletableFuture<HttpResponse<String>> unload = postAsync(f, "/v2/repository/models/digits/unload", "");
      // the unload marks the model at once, then waits for the lease
      while (!states(f, "").get("digits/1").equals("UNLOADING")) {
        Thread.onSpinWait();
      }
      HttpResponse<String> r = post(f, "/v2/models/digits/versions/1/infer", ServeFixture.TOKEN, DIGITS_INFER);
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.body().contains("being unloaded"), r.body());
      assertFalse(unload.isDone(), "the unload finished while a request held the model");
      // the request in flight still runs on its session
      Map<String, Tensor> in = Map.of("input", Tensor.ofFloats(Shape.of(1, 1, 8, 8), new float[64]));
      inFlight.model().session().run(in).values().forEach(Tensor::close);
      in.values().forEach(Tensor::close);
      inFlight.close();
      assertEquals(200, unload.get().statusCode(), unload.get().body());
      assertEquals("UNAVAILABLE", states(f, "").get("digits/1"));
      assertEquals(0, inFlight.model().session().memoryBytes(), "the unloaded session is closed");
    }
  }

  @Test
  void pollPicksUpNewVersionsRemovedOnesAndChangedFiles() throws Exception {
    ServeFixture.addModel(repo, "digits_cnn_0to9", "digits", "1");
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"),
        RepositoryOptions.defaults().withControl(ModelControl.POLL, Duration.ofHours(1)))) {
      assertEquals(java.util.List.of("1"), r.versions("digits"));
      ServeFixture.addModel(repo, "digits_cnn_0to4", "digits", "2");
      ServeFixture.addModel(repo, "digits_cnn_0to4", "second", "1");
      r.rescan();
      assertEquals(java.util.List.of("1", "2"), r.versions("digits"));
      assertTrue(r.find("digits", "2").orElseThrow().isReady());
      assertTrue(r.find("second", "1").orElseThrow().isReady());
      assertEquals("2", r.find("digits", null).orElseThrow().version());

      // a changed file: the new session is swapped in; a request holding the old one finishes on it
      ModelLease old = r.acquire("digits", "1");
      String oldSha = old.model().sha256();
      Files.copy(TestData.model("digits_cnn_0to4").resolve("model.onnx"), repo.resolve("digits/1/model.onnx"),
          StandardCopyOption.REPLACE_EXISTING);
      Files.setLastModifiedTime(repo.resolve("digits/1/model.onnx"),
          java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
      r.rescan();
      String newSha = r.find("digits", "1").orElseThrow().sha256();
      assertNotEquals(oldSha, newSha);
      assertTrue(old.model().session().memoryBytes() > 0, "the old session stays open for its request");
      old.close();
      assertEquals(0, old.model().session().memoryBytes(), "the old session closes after its last request");

      // removed: version 1 and the whole 'second' model
      FileTrees.delete(repo.resolve("digits/1"));
      FileTrees.delete(repo.resolve("second"));
      r.rescan();
      assertEquals(java.util.List.of("2"), r.versions("digits"));
      assertEquals(java.util.List.of("digits"), r.names());
      assertThrows(io.edgewise.EdgewiseException.class, () -> r.acquire("digits", "1"));
      assertEquals(0, r.leasesOpen());
    }
  }

  @Test
  void pollRescansOnItsOwn() throws Exception {
    ServeFixture.addModel(repo, "digits_cnn_0to9", "digits", "1");
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"),
        RepositoryOptions.defaults().withControl(ModelControl.POLL, Duration.ofMillis(50)))) {
      ServeFixture.addModel(repo, "digits_cnn_0to4", "digits", "2");
      while (!r.versions("digits").contains("2") || !r.find("digits", "2").orElseThrow().isReady()) {
        Thread.sleep(20);
      }
      try (ModelLease l = r.acquire("digits", "2")) {
        assertTrue(l.hit());
      }
    }
  }

  @Test
  void anUnloadedModelIsNotServedFromTheRepository() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"),
        RepositoryOptions.defaults().withControl(ModelControl.EXPLICIT, Duration.ofHours(1)))) {
      assertThrows(ModelUnavailableException.class, () -> r.acquire("digits", null));
      r.load("digits", null);
      r.acquire("digits", null).close();
      r.unload("digits");
      assertThrows(ModelUnavailableException.class, () -> r.acquire("digits", null));
      assertEquals(0, r.usedBytes());
    }
  }
}
