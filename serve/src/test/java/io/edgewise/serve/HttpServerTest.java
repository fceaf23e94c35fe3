package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KServe v2 endpoints over real HTTP (java.net.http, and curl where installed), with and without the token;
 * inference results are compared with a local Session on the same model and device.
 */
class HttpServerTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path repo;

  static ServeFixture fixture;
  static HttpClient http;

  @BeforeAll
  static void start() throws IOException {
    ServeFixture.digitsRepository(repo);
    ServeFixture.addModel(repo, "squeezenet1_1", "squeezenet", "1");
    Files.writeString(repo.resolve("squeezenet/config.json"), "{\"device\": \"cpu\"}");
    fixture = ServeFixture.start(repo);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {  // null when start() was skipped (no shared test data)
      fixture.close();
    }
  }

  static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fixture.url() + path)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fixture.url() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String error(HttpResponse<String> r) throws IOException {
    JsonNode n = JSON.readTree(r.body());
    assertTrue(n.has("error"), "not a protocol error object: " + r.body());
    return n.get("error").asText();
  }

  @Test
  void healthIsOpenAndEverythingElseNeedsTheToken() throws Exception {
    assertEquals(200, get("/v2/health/live", null).statusCode());
    assertEquals(200, get("/v2/health/ready", null).statusCode());
    for (String path : List.of("/v2", "/v2/models/digits", "/v2/models/digits/ready", "/metrics", "/v2/nothing")) {
      HttpResponse<String> r = get(path, null);
      assertEquals(401, r.statusCode(), path);
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), path);
      assertTrue(error(r).contains("bearer token"));
      assertEquals(401, get(path, "wrong-token-0123456789").statusCode(), path);
    }
    HttpResponse<String> infer = post("/v2/models/digits/infer", null, "{}");
    assertEquals(401, infer.statusCode());
    assertEquals(200, get("/v2/models/digits", ServeFixture.TOKEN).statusCode());
  }

  @Test
  void metadataDescribesTheModelAndItsVersions() throws Exception {
    JsonNode server = JSON.readTree(get("/v2", ServeFixture.TOKEN).body());
    assertEquals("edgewise", server.get("name").asText());
    assertTrue(server.get("extensions").toString().contains("binary_tensor_data"));
    JsonNode m = JSON.readTree(get("/v2/models/digits", ServeFixture.TOKEN).body());
    assertEquals("digits", m.get("name").asText());
    assertEquals("[\"1\",\"2\"]", m.get("versions").toString());
    assertEquals("onnx", m.get("platform").asText());
    assertEquals("{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,8,8]}", m.get("inputs").get(0).toString());
    assertEquals("[1,5]", m.get("outputs").get(0).get("shape").toString());  // latest = version 2, 5 classes
    JsonNode v1 = JSON.readTree(get("/v2/models/digits/versions/1", ServeFixture.TOKEN).body());
    assertEquals("[1,10]", v1.get("outputs").get(0).get("shape").toString());
    assertEquals(200, get("/v2/models/digits/versions/1/ready", ServeFixture.TOKEN).statusCode());
    HttpResponse<String> missing = get("/v2/models/digits/versions/7", ServeFixture.TOKEN);
    assertEquals(404, missing.statusCode());
    assertTrue(error(missing).contains("versions: [1, 2]"), missing.body());
    assertEquals(404, get("/v2/models/nothing/ready", ServeFixture.TOKEN).statusCode());
    assertEquals(404, get("/v2/models/..%2F..%2Fetc/ready", ServeFixture.TOKEN).statusCode());
    HttpResponse<String> wrongMethod = post("/v2/models/digits", ServeFixture.TOKEN, "");
    assertEquals(405, wrongMethod.statusCode());
    assertEquals("GET", wrongMethod.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void aBytesInputToAnOnnxModelIs400NamingTheInput() throws Exception {
    HttpResponse<String> r = post("/v2/models/digits/infer", ServeFixture.TOKEN, "{\"inputs\": [{\"name\": "
        + "\"input\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"abc\"]}]}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("digits/2: [INVALID_ARGUMENT] input 'input' is BYTES; this ONNX model takes numeric tensors (its "
        + "input 'input' is FP32)", error(r));
  }

  @Test
  void inferenceOverJsonAndBinaryEqualsTheLocalSession() throws Exception {
    Path dir = TestData.model("digits_cnn_0to9");
    try (EdgewiseClient client = EdgewiseClient.builder(fixture.url()).token(ServeFixture.TOKEN).build();
        Session local = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice("ref"))) {
      for (int k = 0; k < 5; k++) {
        try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_" + k + "/input_0.pb"))) {
          Map<String, Tensor> expected = local.run(Map.of("input", x));
          Map<String, Tensor> json = client.infer("digits", "1", Map.of("input", x), false);
          Map<String, Tensor> binary = client.infer("digits", "1", Map.of("input", x), true);
          try {
            assertEquals(List.of("logits"), new ArrayList<>(json.keySet()));
            assertArrayEquals(expected.get("logits").toFloatArray(), json.get("logits").toFloatArray());
            assertArrayEquals(expected.get("logits").toFloatArray(), binary.get("logits").toFloatArray());
            assertArrayEquals(expected.get("logits").shape().dims(), binary.get("logits").shape().dims());
          } finally {
            expected.values().forEach(Tensor::close);
            json.values().forEach(Tensor::close);
            binary.values().forEach(Tensor::close);
          }
        }
      }
    }
  }

  @Test
  void squeezenetOnCpuMatchesTheLocalCpuSessionAndTheReferenceOutput() throws Exception {
    Path dir = TestData.model("squeezenet1_1");
    try (EdgewiseClient client = EdgewiseClient.builder(fixture.url()).token(ServeFixture.TOKEN).build();
        Session local = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice("cpu"));
        Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
        Tensor want = TensorProtos.readFile(dir.resolve("test_data_set_0/output_0.pb"))) {
      Map<String, Tensor> mine = local.run(Map.of("input", x));
      Map<String, Tensor> served = client.infer("squeezenet", null, Map.of("input", x), true);
      try {
        float[] a = served.get("logits").toFloatArray();
        assertArrayEquals(mine.get("logits").toFloatArray(), a);
        float[] e = want.toFloatArray();
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < e.length; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(e[i]));
          maxDiff = Math.max(maxDiff, Math.abs(e[i] - a[i]));
        }
        assertTrue(maxDiff <= 1e-4 * maxAbs, "max diff " + maxDiff);  // testdata README's float32 bound
      } finally {
        mine.values().forEach(Tensor::close);
        served.values().forEach(Tensor::close);
      }
    }
  }

  @Test
  void badRequestsGetClientErrorsThatNameTheFault() throws Exception {
    String ok = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 8, 8], \"datatype\": \"FP32\", \"data\": "
        + "[" + "0.5,".repeat(63) + "0.5]}]}";
    HttpResponse<String> good = post("/v2/models/digits/versions/1/infer", ServeFixture.TOKEN, ok);
    assertEquals(200, good.statusCode(), good.body());
    assertEquals(10, JSON.readTree(good.body()).get("outputs").get(0).get("data").size());

    HttpResponse<String> r = post("/v2/models/digits/infer", ServeFixture.TOKEN, "{\"inputs\": [");
    assertEquals(400, r.statusCode());
    assertTrue(error(r).contains("not valid JSON"), r.body());
    r = post("/v2/models/digits/infer", ServeFixture.TOKEN, ok.replace("[1, 1, 8, 8]", "[1, 1, 4, 16]"));
    assertEquals(400, r.statusCode());
    assertTrue(error(r).contains("has shape [1, 1, 4, 16], the model declares [1, 1, 8, 8]"), r.body());
    r = post("/v2/models/digits/infer", ServeFixture.TOKEN, ok.replace("\"input\"", "\"image\""));
    assertEquals(400, r.statusCode());
    assertTrue(error(r).contains("has no input 'image' (inputs: [input])"), r.body());
    r = post("/v2/models/digits/infer", ServeFixture.TOKEN, ok.replace("]}]}", "]}], \"outputs\": [{\"name\": \"p\"}]}"));
    assertEquals(400, r.statusCode());
    assertTrue(error(r).contains("unknown output 'p'"), r.body());
    r = post("/v2/models/nothing/infer", ServeFixture.TOKEN, ok);
    assertEquals(404, r.statusCode());
    r = post("/v2/models/digits/infer", ServeFixture.TOKEN, ok.replace("[1, 1, 8, 8]", "[100000, 100000, 8, 8]"));
    assertEquals(413, r.statusCode());
    assertTrue(error(r).contains("elements"), r.body());
    assertEquals(200, post("/v2/models/digits/versions/1/infer", ServeFixture.TOKEN, ok).statusCode());
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    byte[] infer = HttpFuzzTest.post(HttpFuzzTest.VALID_BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String inferKeepAlive = new String(infer, java.nio.charset.StandardCharsets.ISO_8859_1)
        .replace("Connection: close\r\n", "");
    byte[] both = (inferKeepAlive + "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", fixture.server.port())) {
      s.setSoTimeout(60_000);
      s.getOutputStream().write(both);  // one write: the server decodes both before the inference is done
      HttpFuzzTest.Answer first = HttpFuzzTest.readAnswer(s.getInputStream(), both);
      HttpFuzzTest.Answer second = HttpFuzzTest.readAnswer(s.getInputStream(), both);
      assertEquals(200, first.status(), first.body());
      assertTrue(first.body().contains("\"model_name\":\"digits\""), first.body());
      assertEquals("{\"live\":true}", second.body());
    }
  }

  @Test
  void metricsCountRequestsInPrometheusText() throws Exception {
    try (EdgewiseClient client = EdgewiseClient.builder(fixture.url()).token(ServeFixture.TOKEN).build()) {
      assertTrue(client.isLive() && client.isReady() && client.isModelReady("digits", "2"));
      post("/v2/models/digits/infer", ServeFixture.TOKEN, "not json");
      String text = client.metrics();
      assertTrue(text.contains("edgewise_requests_total{endpoint=\"infer\",model=\"digits\",protocol=\"http\","
          + "status=\"400\"}"), text);
      assertTrue(text.contains("edgewise_request_duration_seconds_bucket{endpoint=\"health\""), text);
      assertTrue(text.contains("edgewise_inference_queue_depth 0.0"), text);
      assertTrue(text.contains("edgewise_device_busy_seconds_total{device=\"ref\"}"), text);
      assertTrue(text.contains("edgewise_device_utilization{device=\"ref\"}"), text);
      RemoteException e = assertThrows(RemoteException.class, () -> client.modelMetadata("nothing", null));
      assertEquals(404, e.status());
    }
  }

  @Test
  void curlWithAndWithoutTheToken(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(onPath("curl"), "curl is not installed");
    assertEquals("200", curl("-o", "/dev/null", "-w", "%{http_code}", fixture.url() + "/v2/health/ready"));
    assertEquals("401", curl("-o", "/dev/null", "-w", "%{http_code}", fixture.url() + "/v2/models/digits"));
    String body = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 8, 8], \"datatype\": \"FP32\", \"data\": "
        + "[" + "0.25,".repeat(63) + "0.25]}]}";
    Path req = Files.writeString(tmp.resolve("req.json"), body);
    assertEquals("401", curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + req,
        fixture.url() + "/v2/models/digits/infer"));
    String out = curl("-H", "Authorization: Bearer " + ServeFixture.TOKEN, "--data-binary", "@" + req,
        fixture.url() + "/v2/models/digits/versions/2/infer");
    JsonNode answer = JSON.readTree(out);
    assertEquals("digits", answer.get("model_name").asText());
    assertEquals("2", answer.get("model_version").asText());
    assertEquals(5, answer.get("outputs").get(0).get("data").size());
  }

  static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  static String curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--max-time", "60"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // the tests' JVM runs with the JDK's libjsig preloaded (the parent pom); in curl it would print a warning
    pb.environment().remove("LD_PRELOAD");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertFalse(out.isEmpty());
    return out;
  }
}
