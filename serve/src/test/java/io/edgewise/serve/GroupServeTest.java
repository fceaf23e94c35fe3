package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.TestData;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model group served from the repository (config.json with "pipeline": "group") on loopback: the choice under a
 * budget, a pinned variant, a request whose budget has passed (504, run never), the response parameters, the metrics,
 * the metadata, the feedback endpoint and the refusals; every answer checked against the Open Inference Protocol's
 * specification as ProtocolConformanceTest checks it. The variants are the digits CNN of ten classes ("big",
 * accuracy 0.98 as configured) and of five ("small", 0.5), so the output's length says which one ran, and each answer
 * is compared with the shared model's reference output. No timing decides an assertion: the budgets are either far
 * beyond any run (60 s) or spent before a worker can start (1 ns).
 */
class GroupServeTest {
  @TempDir
  Path repo;

  @BeforeAll
  static void loadSpec() throws Exception {
    ProtocolConformanceTest.spec = OpenInferenceSpec.load();
  }

  private static float[][] pair(String model) throws Exception {
    Path dir = TestData.model(model).resolve("test_data_set_0");
    try (Tensor x = TensorProtos.readFile(dir.resolve("input_0.pb"));
        Tensor y = TensorProtos.readFile(dir.resolve("output_0.pb"))) {
      return new float[][] {x.toFloatArray(), y.toFloatArray()};
    }
  }

  /** repo/digits: the group; repo/plain/1: an ONNX model (feedback refuses it). */
  static void groupRepository(Path repo) throws Exception {
    Path g = Files.createDirectories(repo.resolve("digits"));
    Files.copy(TestData.model("digits_cnn_0to9").resolve("model.onnx"), g.resolve("big.onnx"));
    Files.copy(TestData.model("digits_cnn_0to4").resolve("model.onnx"), g.resolve("small.onnx"));
    Files.writeString(g.resolve("config.json"), "{\"pipeline\": \"group\", \"time_budget_ms\": 60000, "
        + "\"profile_runs\": 3, \"variants\": [{\"name\": \"big\", \"model\": \"big.onnx\", \"accuracy\": 0.98}, "
        + "{\"name\": \"small\", \"model\": \"small.onnx\", \"accuracy\": 0.5}]}");
    ServeFixture.addModel(repo, "digits_cnn_0to9", "plain", "1");
  }

  private static float[] floats(JsonNode data) {
    float[] out = new float[data.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) data.get(i).asDouble();
    }
    return out;
  }

  @Test
  void aGroupAnswersUnderItsBudgetReportsTheVariantAndDropsLateWork() throws Exception {
    groupRepository(repo);
    float[][] big = pair("digits_cnn_0to9");
    float[][] small = pair("digits_cnn_0to4");
    String t = ServeFixture.TOKEN;
    ProtocolConformanceTest.Cases c = new ProtocolConformanceTest.Cases();
    try (ServeFixture f = ServeFixture.start(repo)) {
      String url = f.url();
      String infer = "/v2/models/digits/infer";

      // the group's default budget (60 s) holds either variant: the more accurate runs
      ProtocolConformanceTest.Answer a = c.expect(200, ProtocolConformanceTest.send(url, "POST", infer, t,
          ProtocolConformanceTest.inferBody(big[0], "\"id\": \"r1\", ")));
      JsonNode body = ProtocolConformanceTest.JSON.readTree(a.body());
      JsonNode p = body.get("parameters");
      assertEquals("big", p.get("edgewise_variant").asText(), a.body());
      assertEquals("ref", p.get("edgewise_device").asText());
      assertTrue(p.get("edgewise_within_budget").asBoolean());
      assertEquals(60000, p.get("edgewise_budget_ms").asDouble(), 1e-9);
      assertTrue(p.get("edgewise_server_ms").asDouble() >= p.get("edgewise_run_ms").asDouble());
      assertEquals("r1", body.get("id").asText());
      assertArrayEquals(big[1], floats(body.get("outputs").get(0).get("data")), 1e-4f);

      // an explicit budget less the client's network estimate: 60000 - 100 still holds big
      a = c.expect(200, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(big[0],
          "\"parameters\": {\"time_budget_ms\": 60000, \"network_ms\": 100}, ")));
      p = ProtocolConformanceTest.JSON.readTree(a.body()).get("parameters");
      assertEquals("big", p.get("edgewise_variant").asText());
      assertEquals(59900, p.get("edgewise_budget_ms").asDouble(), 1e-9);

      // a pinned variant runs whatever the rule would pick
      a = c.expect(200, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(
          small[0], "\"parameters\": {\"variant\": \"small\"}, ")));
      body = ProtocolConformanceTest.JSON.readTree(a.body());
      assertEquals("small", body.get("parameters").get("edgewise_variant").asText());
      assertArrayEquals(small[1], floats(body.get("outputs").get(0).get("data")), 1e-4f);

      // a budget of a nanosecond has passed before any worker can start: dropped unrun, 504
      a = c.expect(504, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(
          big[0], "\"parameters\": {\"time_budget_ms\": 0.000001}, ")));
      assertTrue(a.body().contains("had passed before it could run"), a.body());

      // refusals, each naming what is wrong
      a = c.expect(400, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(
          big[0], "\"parameters\": {\"time_budget_ms\": \"soon\"}, ")));
      assertTrue(a.body().contains("time_budget_ms"), a.body());
      a = c.expect(400, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(
          big[0], "\"parameters\": {\"time_budget_ms\": -5}, ")));
      assertTrue(a.body().contains("time_budget_ms"), a.body());
      a = c.expect(400, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(
          big[0], "\"parameters\": {\"variant\": \"medium\"}, ")));
      assertTrue(a.body().contains("no variant 'medium'") && a.body().contains("[big, small]"), a.body());
      a = c.expect(400, ProtocolConformanceTest.send(url, "POST", infer, t, ProtocolConformanceTest.inferBody(
          big[0], "\"outputs\": [{\"name\": \"nope\"}], ")));
      assertTrue(a.body().contains("unknown output 'nope'"), a.body());
      c.expect(400, ProtocolConformanceTest.send(url, "POST", infer, t, "{\"inputs\": [{\"name\": \"input\", "
          + "\"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"x\"]}]}"));

      // metadata: the variants' common inputs and outputs
      a = c.expect(200, ProtocolConformanceTest.send(url, "GET", "/v2/models/digits", t, null));
      JsonNode meta = ProtocolConformanceTest.JSON.readTree(a.body());
      assertEquals("edgewise_group", meta.get("platform").asText());
      assertEquals("input", meta.get("inputs").get(0).get("name").asText());
      assertEquals("FP32", meta.get("inputs").get(0).get("datatype").asText());

      // the choices and the drop in the metrics
      String metrics = f.metrics.scrape();
      assertTrue(metrics.contains("edgewise_group_requests_total{device=\"ref\",group=\"digits\",variant=\"big\","
          + "within_budget=\"true\"} 2.0"), metrics);
      assertTrue(metrics.contains("edgewise_group_requests_total{device=\"ref\",group=\"digits\",variant=\"small\","
          + "within_budget=\"true\"} 1.0"), metrics);
      assertTrue(metrics.contains("edgewise_group_dropped_total{group=\"digits\"} 1.0"), metrics);
      assertTrue(metrics.contains("edgewise_group_run_seconds_count{device=\"ref\",group=\"digits\",variant=\"big\"}"
          + " 2"), metrics);
      // the server's own measurements: every variant profiled at load, so both have a mean
      io.edgewise.serve.common.ServedGroup g = (io.edgewise.serve.common.ServedGroup) f.repository
          .find("digits", "1").orElseThrow().pipeline();
      assertTrue(g.group().stats().stream().allMatch(s -> s.meanMs() > 0), g.group().stats().toString());
    }
    c.assertNone();
  }

  @Test
  void feedbackTeachesTheSelectorAndRefusesBadInput() throws Exception {
    groupRepository(repo);
    String t = ServeFixture.TOKEN;
    ProtocolConformanceTest.Cases c = new ProtocolConformanceTest.Cases();
    try (ServeFixture f = ServeFixture.start(repo)) {
      String url = f.url();
      String path = "/v2/models/digits/feedback";
      ProtocolConformanceTest.Answer a = ProtocolConformanceTest.send(url, "POST", path, t,
          "{\"variant\": \"small\", \"qoe\": 0.25}");
      assertEquals(200, a.status(), a.body());
      JsonNode r = ProtocolConformanceTest.JSON.readTree(a.body());
      assertEquals("digits", r.get("model_name").asText());
      assertEquals(0.25, r.get("qoe").asDouble(), 0);
      assertEquals(1, r.get("observations").asLong());
      assertTrue(r.get("choice").asText().equals("big") || r.get("choice").asText().equals("small"));
      // QoE from its parts (Qoe, penalty 0.5): 1 - 0.5 * (150 / 100 - 1) = 0.75
      a = ProtocolConformanceTest.send(url, "POST", path, t, "{\"variant\": \"big\", \"correct\": true, "
          + "\"latency_ms\": 150, \"tolerance_ms\": 100, \"device\": {\"speed_factor\": 0.5, \"threads\": 4}}");
      assertEquals(200, a.status(), a.body());
      r = ProtocolConformanceTest.JSON.readTree(a.body());
      assertEquals(0.75, r.get("qoe").asDouble(), 1e-12);
      assertEquals(2, r.get("observations").asLong());

      String[][] bad = {
          {"{\"qoe\": 1}", "\"variant\""},
          {"{\"variant\": \"medium\", \"qoe\": 1}", "no variant 'medium'"},
          {"{\"variant\": \"big\"}", "needs \"qoe\""},
          {"{\"variant\": \"big\", \"qoe\": \"high\"}", "\"qoe\" must be a number"},
          {"{\"variant\": \"big\", \"correct\": true}", "\"latency_ms\""},
          {"{\"variant\": \"big\", \"qoe\": 1, \"correct\": true}", "not both"},
          {"{\"variant\": \"big\", \"accuracy\": 2, \"latency_ms\": 1}", "\"accuracy\" must be a number in [0, 1]"},
          {"{\"variant\": \"big\", \"qoe\": 1, \"colour\": 1}", "unknown key \"colour\""},
          {"{\"variant\": \"big\", \"qoe\": 1, \"device\": {\"speed_factor\": 0}}", "speed_factor"},
          {"[1, 2]", "JSON object"},
          {"not json", "feedback"},
      };
      for (String[] b : bad) {
        a = ProtocolConformanceTest.send(url, "POST", path, t, b[0]);
        assertEquals(400, a.status(), b[0] + " -> " + a.body());
        String error = ProtocolConformanceTest.JSON.readTree(a.body()).get("error").asText();
        assertTrue(error.contains(b[1]), b[0] + " -> " + error);
        c.expectOutside(400, a);
      }
      a = ProtocolConformanceTest.send(url, "POST", "/v2/models/plain/feedback", t, "{\"variant\": \"x\", \"qoe\": 1}");
      assertEquals(400, a.status());
      assertTrue(a.body().contains("not a model group"), a.body());
      c.expectOutside(401, ProtocolConformanceTest.send(url, "POST", path, null, "{\"variant\": \"big\", \"qoe\": 1}"));
      c.expectOutside(405, ProtocolConformanceTest.send(url, "GET", path, t, null));
      c.expectOutside(404, ProtocolConformanceTest.send(url, "POST", "/v2/models/none/feedback", t, "{}"));
    }
    c.assertNone();
  }
}
