package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the real server on loopback, in success and in each failure it can answer, checked against the
 * Open Inference Protocol's REST specification ({@link OpenInferenceSpec}: the documented statuses and the OpenAPI
 * schemas, validated by a JSON Schema 2020-12 validator). Answers outside the protocol (401, 405) must carry its
 * error object, as must HTTP's own refusals (415 for a compressed body, 431 for headers over 8 KiB). Inference
 * answers are also compared with the shared model's reference output. Not covered: the binary tensor data
 * extension's answers (a JSON header whose outputs carry binary_data_size instead of the data the core schema
 * requires; HttpServerTest compares them with a local session).
 */
class ProtocolConformanceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static OpenInferenceSpec spec;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path repo;

  @BeforeAll
  static void loadSpec() throws Exception {
    spec = OpenInferenceSpec.load();
  }

  /** One request and what the specification says of its answer. */
  record Answer(String method, String path, int status, String contentType, String body) {
    List<String> problems() {
      return spec.check(method, path, status, contentType, body);
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + status + " " + body.substring(0, Math.min(200, body.length()));
    }
  }

  /** Sends one request; headers are name, value pairs. */
  static Answer send(String url, String method, String path, String token, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(method, path, r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
  }

  /** A JSON inference request of digits' input (64 pixels) from the shared test data. */
  static String inferBody(float[] pixels, String extra) {
    StringBuilder data = new StringBuilder();
    for (float p : pixels) {
      data.append(data.length() == 0 ? "" : ",").append(p);
    }
    return "{" + extra + "\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 8, 8], \"datatype\": \"FP32\", "
        + "\"data\": [" + data + "]}]}";
  }

  /** Collects the answers that break the specification, with the expected status of each case. */
  static final class Cases {
    final List<String> failures = new ArrayList<>();
    int count;

    Answer expect(int status, Answer a) {
      count++;
      if (a.status() != status) {
        failures.add(a + ": expected status " + status);
      }
      List<String> p = a.problems();
      if (!p.isEmpty()) {
        failures.add(a + ": " + p);
      }
      return a;
    }

    /** An answer of HTTP's own (401, 405, 415, 431), outside the protocol: the status, and the protocol's error object. */
    void expectOutside(int status, Answer a) {
      count++;
      if (a.status() != status) {
        failures.add(a + ": expected status " + status);
      }
      List<String> p = spec.errorObject(a.contentType(), a.body());
      if (!p.isEmpty()) {
        failures.add(a + ": " + p);
      }
    }

    void assertNone() {
      assertTrue(failures.isEmpty(), failures.size() + " of " + count + " answers break the protocol:\n"
          + String.join("\n", failures));
    }
  }

  @Test
  void everyEndpointAnswersAsTheProtocolDocuments() throws Exception {
    ServeFixture.digitsRepository(repo);
    Path dir = TestData.model("digits_cnn_0to9").resolve("test_data_set_0");
    float[] pixels;
    float[] expected;
    try (Tensor x = TensorProtos.readFile(dir.resolve("input_0.pb"));
        Tensor y = TensorProtos.readFile(dir.resolve("output_0.pb"))) {
      pixels = x.toFloatArray();
      expected = y.toFloatArray();
    }
    String ok = inferBody(pixels, "");
    String t = ServeFixture.TOKEN;
    // one worker and no queue, so that occupying the worker makes the next inference busy (429); a 64 KiB body limit
    ServeLimits limits = ServeLimits.defaults().withConcurrency(1, 0).withMaxMessageBytes(64 << 10);
    Cases c = new Cases();
    CountDownLatch release = new CountDownLatch(1);
    try (ServeFixture f = ServeFixture.start(repo, limits, null)) {
      String u = f.url();
      c.expect(200, send(u, "GET", "/v2/health/live", null, null));
      c.expect(200, send(u, "GET", "/v2/health/ready", null, null));
      c.expect(200, send(u, "GET", "/v2", t, null));
      c.expect(200, send(u, "GET", "/v2/models/digits", t, null));
      c.expect(200, send(u, "GET", "/v2/models/digits/versions/1", t, null));
      c.expect(200, send(u, "GET", "/v2/models/digits/ready", t, null));
      c.expect(200, send(u, "GET", "/v2/models/digits/versions/1/ready", t, null));
      Answer infer = c.expect(200, send(u, "POST", "/v2/models/digits/versions/1/infer", t, ok));
      assertLogits(expected, infer);
      Answer withId = c.expect(200, send(u, "POST", "/v2/models/digits/versions/1/infer", t,
          inferBody(pixels, "\"id\": \"42\", \"outputs\": [{\"name\": \"logits\"}], ")));
      assertEquals("42", JSON.readTree(withId.body()).path("id").asText());
      c.expect(200, send(u, "POST", "/v2/models/digits/infer", t, ok));  // the latest version, 5 classes

      c.expect(404, send(u, "GET", "/v2/models/nothing", t, null));
      c.expect(404, send(u, "GET", "/v2/models/digits/versions/7", t, null));
      c.expect(404, send(u, "GET", "/v2/models/nothing/ready", t, null));
      c.expect(404, send(u, "GET", "/v2/models/digits/versions/7/ready", t, null));
      c.expect(404, send(u, "POST", "/v2/models/nothing/infer", t, ok));
      c.expect(404, send(u, "POST", "/v2/models/digits/versions/7/infer", t, ok));
      c.expect(400, send(u, "POST", "/v2/models/digits/infer", t, "{\"inputs\": ["));
      c.expect(400, send(u, "POST", "/v2/models/digits/infer", t, "{\"id\": 1}"));
      c.expect(400, send(u, "POST", "/v2/models/digits/infer", t, ok.replace("[1, 1, 8, 8]", "[1, 1, 4, 16]")));
      c.expect(400, send(u, "POST", "/v2/models/digits/infer", t, ok.replace("\"FP32\"", "\"FP99\"")));
      c.expect(400, send(u, "POST", "/v2/models/digits/infer", t, ok.replace("\"input\"", "\"image\"")));
      c.expect(400, send(u, "POST", "/v2/models/digits/infer", t,
          ok.replace("]}]}", "]}], \"outputs\": [{\"name\": \"p\"}]}")));
      c.expect(413, send(u, "POST", "/v2/models/digits/infer", t, ok.replace("[1, 1, 8, 8]", "[1000, 1000, 8, 8]")));
      c.expect(413, send(u, "POST", "/v2/models/digits/infer", t, ok + " ".repeat(70_000)));

      f.scheduler.submit("test", () -> {
        try {
          return release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      GracefulShutdownTest.await(() -> f.scheduler.running() == 1);
      c.expect(429, send(u, "POST", "/v2/models/digits/infer", t, ok));
      release.countDown();
      GracefulShutdownTest.await(() -> f.scheduler.running() == 0);

      for (String path : List.of("/v2", "/v2/models/digits", "/v2/models/digits/versions/1",
          "/v2/models/digits/ready", "/v2/models/digits/versions/1/ready")) {
        c.expectOutside(401, send(u, "GET", path, null, null));
      }
      c.expectOutside(401, send(u, "POST", "/v2/models/digits/infer", null, ok));
      c.expectOutside(405, send(u, "GET", "/v2/models/digits/infer", t, null));
      c.expectOutside(405, send(u, "POST", "/v2/models/digits", t, ok));
      c.expectOutside(415, send(u, "POST", "/v2/models/digits/infer", t, ok, "Content-Encoding", "gzip"));
      c.expectOutside(431, send(u, "GET", "/v2/models/digits", t, null, "X-Padding", "x".repeat(9000)));
    } finally {
      release.countDown();
    }

    // a repository with a model that fails to load: the server and that model are not ready (503)
    Path bad = Files.createDirectories(repo.resolve("broken/1"));
    Files.write(bad.resolve("model.onnx"), new byte[] {8, 1, 18, 3});
    try (ServeFixture f = ServeFixture.start(repo)) {
      String u = f.url();
      c.expect(200, send(u, "GET", "/v2/health/live", null, null));
      Answer notReady = c.expect(503, send(u, "GET", "/v2/health/ready", null, null));
      assertFalse(JSON.readTree(notReady.body()).path("ready").asBoolean(true));
      Answer model = c.expect(503, send(u, "GET", "/v2/models/broken/ready", t, null));
      assertFalse(JSON.readTree(model.body()).path("ready").asBoolean(true));
      c.expect(503, send(u, "GET", "/v2/models/broken/versions/1/ready", t, null));
      c.expect(200, send(u, "GET", "/v2/models/digits/ready", t, null));
      c.expect(503, send(u, "GET", "/v2/models/broken", t, null));
      c.expect(503, send(u, "POST", "/v2/models/broken/infer", t, ok));
    }
    c.assertNone();
    assertTrue(c.count >= 40, "cases run: " + c.count);
  }

  static void assertLogits(float[] expected, Answer a) throws Exception {
    JsonNode out = JSON.readTree(a.body()).path("outputs").path(0);
    assertEquals("logits", out.path("name").asText());
    assertEquals("[1,10]", out.path("shape").toString());
    double max = 0;
    for (float v : expected) {
      max = Math.max(max, Math.abs(v));
    }
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], out.path("data").path(i).floatValue(), 1e-4 * max, "logit " + i);
    }
  }

  /** The checker itself fails what breaks the specification (else the test above could not fail). */
  @Test
  void theCheckerRefusesWhatBreaksTheSpecification() {
    assertFalse(spec.check("GET", "/v2/health/ready", 400, "application/json", "{\"ready\":false}").isEmpty(),
        "400 is not a documented readiness status");
    assertFalse(spec.check("GET", "/v2/models/m/ready", 400, "application/json", "{\"name\":\"m\",\"ready\":false}")
        .isEmpty());
    assertTrue(spec.check("GET", "/v2/models/m/ready", 503, "application/json", "{\"name\":\"m\",\"ready\":false}")
        .isEmpty());
    assertFalse(spec.check("POST", "/v2/models/m/infer", 200, "application/json",
        "{\"outputs\": []}").isEmpty(), "model_name is required");
    assertFalse(spec.check("POST", "/v2/models/m/infer", 200, "application/json", "{\"model_name\": \"m\", "
        + "\"outputs\": [{\"name\": \"y\", \"shape\": [\"1\"], \"datatype\": \"FP32\", \"data\": [1]}]}").isEmpty(),
        "shape items are integers");
    assertTrue(spec.check("POST", "/v2/models/m/infer", 200, "application/json", "{\"model_name\": \"m\", "
        + "\"outputs\": [{\"name\": \"y\", \"shape\": [1, 2], \"datatype\": \"FP32\", \"data\": [[1], [2.5]]}]}")
        .isEmpty(), "nested tensor data is valid");
    assertFalse(spec.check("GET", "/v2/models/m", 200, "application/json", "{\"name\": \"m\"}").isEmpty(),
        "platform is required");
    assertFalse(spec.check("GET", "/v2/models/m", 404, "application/json", "{\"message\": \"x\"}").isEmpty(),
        "an error must be the error object");
    assertFalse(spec.check("GET", "/v2", 200, "text/plain", "{\"name\":\"a\",\"version\":\"1\",\"extensions\":[]}")
        .isEmpty(), "JSON answers say so");
    assertFalse(spec.check("GET", "/v2/health/live", 503, "application/json", "{\"live\":false}").isEmpty());
    assertFalse(spec.check("GET", "/v2/nothing", 404, "application/json", "{\"error\":\"x\"}").isEmpty());
  }
}
