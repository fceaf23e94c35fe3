package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.serve.ServeFixture;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise serve` started and stopped in-process, `edgewise infer` against a server, and the refusals. */
class ServeCliTest {
  @TempDir
  Path dir;

  @Test
  void inferSendsAnInputFileAndWritesTheServersOutput() throws Exception {
    Path repo = ServeFixture.digitsRepository(Files.createDirectory(dir.resolve("repo")));
    Path token = Files.writeString(dir.resolve("token"), "# mine\n" + ServeFixture.TOKEN + "\n");
    Path data = TestData.model("digits_cnn_0to9").resolve("test_data_set_3");
    try (ServeFixture f = ServeFixture.start(repo)) {
      CliTest.Result r = CliTest.run("infer", "--url", f.url(), "--model", "digits", "--version", "1",
          "--input", "input=" + data.resolve("input_0.pb"), "--token-file", token.toString(),
          "--output", dir.resolve("out").toString());
      assertEquals(0, r.exit(), r.err());
      try (Tensor want = TensorProtos.readFile(data.resolve("output_0.pb"));
          Tensor got = TensorProtos.readFile(dir.resolve("out/output_0.pb"))) {
        int top = TopK.argmax(want);
        assertEquals(top, TopK.argmax(got));
        assertTrue(r.out().contains("class " + String.format("%5d", top)), r.out());
        float[] a = got.toFloatArray();
        float[] e = want.toFloatArray();
        double max = 0;
        for (float v : e) {
          max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
          assertEquals(e[i], a[i], 1e-4 * max, "logit " + i);  // testdata README's float32 bound
        }
      }
      assertTrue(r.out().contains("measured round trip"), r.out());

      CliTest.Result random = CliTest.run("infer", "--url", f.url(), "--model", "digits", "--json-data",
          "--token-file", token.toString());
      assertEquals(0, random.exit(), random.err());
      assertTrue(random.out().contains("random (seed 42") && random.out().contains("logits FP32[1, 5]"),
          random.out());

      CliTest.Result noToken = CliTest.run("infer", "--url", f.url(), "--model", "digits");
      assertEquals(Main.EXIT_FAILURE, noToken.exit());
      assertTrue(noToken.err().contains("401") && noToken.err().contains("bearer token"), noToken.err());
    }
  }

  @Test
  void inferSendsImagesAsBytesToTheOcrExampleAndPrintsTheLines() throws Exception {
    Path models = TestData.root().resolve("ocr");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(models), models + " is not present");
    Path token = Files.writeString(dir.resolve("token"), ServeFixture.TOKEN + "\n");
    PageRenderer.Page page = new PageRenderer(PageRenderer.Options.defaults().withSize(384, 128).withTextSizes(28, 32))
        .render(7, 0);
    Path png = dir.resolve("page.png");
    javax.imageio.ImageIO.write(ImageDecoder.toBufferedImage(page.image()), "png", png.toFile());
    java.util.List<String> expected;
    try (OcrPipeline local = OcrPipeline.open(models, OcrOptions.defaults().withDevice("cpu"))) {
      expected = local.read(ImageDecoder.read(png)).lines().stream().map(OcrLine::text).toList();
    }
    try (ServeFixture f = ServeFixture.start(Path.of("examples/ocr"),
        io.edgewise.runtime.SessionOptions.defaults().withDevice("cpu"))) {
      for (String encoding : new String[] {"binary", "json"}) {
        CliTest.Result r = encoding.equals("json")
            ? CliTest.run("infer", "--url", f.url(), "--model", "ocr", "--bytes", "image=" + png, "--bytes",
                "image=" + png, "--token-file", token.toString(), "--json-data")
            : CliTest.run("infer", "--url", f.url(), "--model", "ocr", "--bytes", "image=" + png, "--bytes",
                "image=" + png, "--token-file", token.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("inputs:  image BYTES[2]") && r.out().contains("output:  lines BYTES[2]"),
            r.out());
        // one JSON document per image, each line of the output one document
        java.util.List<String> docs = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, docs.size(), r.out());
        for (String doc : docs) {
          com.fasterxml.jackson.databind.JsonNode lines = new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(doc).get("lines");
          assertEquals(expected, lines.findValues("text").stream().map(t -> t.asText()).toList(), doc);
        }
      }
      CliTest.Result notAnImage = CliTest.run("infer", "--url", f.url(), "--model", "ocr", "--bytes",
          "image=" + token, "--token-file", token.toString());
      assertEquals(Main.EXIT_FAILURE, notAnImage.exit());
      assertTrue(notAnImage.err().contains("400") && notAnImage.err().contains("input 'image' element 0: not an "
          + "image format"), notAnImage.err());
      CliTest.Result none = CliTest.run("infer", "--url", f.url(), "--model", "ocr", "--token-file", token.toString());
      assertEquals(Main.EXIT_USAGE, none.exit());
      assertTrue(none.err().contains("give --bytes image=FILE"), none.err());
    }
  }

  @Test
  void serveStartsWithAGeneratedTokenAndStopsGracefully() throws Exception {
    Path repo = ServeFixture.digitsRepository(Files.createDirectory(dir.resolve("repo")));
    ServeCommand command = new ServeCommand();
    StringWriter printed = new StringWriter();
    new CommandLine(command).setOut(new PrintWriter(printed, true))
        .parseArgs("--models", repo.toString(), "--host", "127.0.0.1", "--port", "0", "--device", "ref");
    String url;
    try (ServeCommand.Running running = command.start()) {
      url = running.url();
      Matcher m = Pattern.compile("bearer token is (\\S+)").matcher(printed.toString());
      assertTrue(m.find(), printed.toString());
      String token = m.group(1);
      assertTrue(printed.toString().contains("model:   digits/1 on ref"), printed.toString());
      try (EdgewiseClient anonymous = EdgewiseClient.builder(url).build();
          EdgewiseClient client = EdgewiseClient.builder(url).token(token).build()) {
        assertTrue(anonymous.isReady());
        RemoteException denied = assertThrows(RemoteException.class, () -> anonymous.modelMetadata("digits", null));
        assertEquals(401, denied.status());
        assertEquals("digits", client.modelMetadata("digits", "1").get("name").asText());
      }
    }
    try (EdgewiseClient after = EdgewiseClient.builder(url).retries(0, Duration.ZERO).build()) {
      assertEquals(EdgewiseException.ErrorCode.IO, assertThrows(
          EdgewiseException.class, after::serverMetadata).code(), "the port is released after close");
    }
  }

  @Test
  void metricsPortServesPrometheusWithoutTheToken() throws Exception {
    Path repo = ServeFixture.digitsRepository(Files.createDirectory(dir.resolve("repo")));
    ServeCommand command = new ServeCommand();
    StringWriter printed = new StringWriter();
    new CommandLine(command).setOut(new PrintWriter(printed, true)).parseArgs("--models", repo.toString(),
        "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--device", "ref");
    try (ServeCommand.Running running = command.start()) {
      assertTrue(printed.toString().contains("metrics: " + running.metricsUrl()), printed.toString());
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.net.http.HttpResponse<String> open = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(running.metricsUrl())).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, open.statusCode());
      assertTrue(open.body().contains("edgewise_inference_workers"), open.body());
      java.net.http.HttpResponse<String> guarded = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(running.url() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(401, guarded.statusCode(), "the inference port's /metrics keeps needing the token");
    }
  }

  @Test
  void serveRefusesContradictoryOptionsBeforeLoadingAnything() {
    // --peer-port is served by the peer protocol's PeerEndpoint (ServePeerPortTest)
    CliTest.Result tls = CliTest.run("serve", "--models", dir.toString(), "--tls-cert", "c.pem");
    assertEquals(Main.EXIT_USAGE, tls.exit());
    assertTrue(tls.err().contains("--tls-cert and --tls-key go together"), tls.err());
    CliTest.Result auth = CliTest.run("serve", "--models", dir.toString(), "--no-auth", "--token-file", "t");
    assertEquals(Main.EXIT_USAGE, auth.exit());
    CliTest.Result missing = CliTest.run("serve", "--models", dir.resolve("absent").toString(), "--port", "0");
    assertEquals(Main.EXIT_FAILURE, missing.exit());
    assertTrue(missing.err().contains("model repository does not exist"), missing.err());
  }

  @Test
  void serveRefusesBadModelControlAndCacheOptions() {
    String[][] bad = {{"--model-control", "sometimes", "model control must be none, explicit or poll"},
        {"--memory-budget", "lots", "not a byte size"}, {"--memory-budget", "0", "--memory-budget must be positive"},
        {"--cache-policy", "belady", "offline oracle"}, {"--cache-policy", "fifo", "unknown cache policy"},
        {"--poll-interval", "0", "--poll-interval"}};
    for (String[] b : bad) {
      CliTest.Result r = CliTest.run("serve", "--models", dir.toString(), "--port", "0", b[0], b[1]);
      assertEquals(Main.EXIT_USAGE, r.exit(), b[0] + " " + b[1] + ": " + r.err());
      assertTrue(r.err().contains(b[2]), r.err());
    }
  }

  @Test
  void serveWithABudgetLoadsModelsOnTheirFirstRequest() throws Exception {
    Path repo = ServeFixture.digitsRepository(Files.createDirectory(dir.resolve("repo")));
    ServeCommand command = new ServeCommand();
    StringWriter printed = new StringWriter();
    new CommandLine(command).setOut(new PrintWriter(printed, true)).parseArgs("--models", repo.toString(), "--host",
        "127.0.0.1", "--port", "0", "--device", "ref", "--no-auth", "--memory-budget", "64MiB", "--cache-policy",
        "lru");
    try (ServeCommand.Running running = command.start()) {
      assertTrue(printed.toString().contains("digits/1 loads on its first request"), printed.toString());
      assertTrue(printed.toString().contains("memory budget 67108864 bytes, eviction lru"), printed.toString());
      try (io.edgewise.serve.client.EdgewiseClient c = io.edgewise.serve.client.EdgewiseClient.builder(running.url())
          .build()) {
        Map<String, Tensor> in = Map.of("input", Tensor.ofFloats(io.edgewise.tensor.Shape.of(1, 1, 8, 8),
            new float[64]));
        c.infer("digits", "1", in, true).values().forEach(Tensor::close);
        in.values().forEach(Tensor::close);
      }
    }
  }

  @Test
  void serveBenchRefusesBadLevels() {
    CliTest.Result r = CliTest.run("serve-bench", "x.onnx", "--concurrency", "0");
    assertEquals(Main.EXIT_USAGE, r.exit());
    assertTrue(r.err().contains("--concurrency"), r.err());
  }
}
