package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.serve.ServeFixture;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise infer` against a running server, and the serve command's refusals of contradictory options. */
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
  void serveRefusesContradictoryOptionsBeforeLoadingAnything() {
    CliTest.Result peer = CliTest.run("serve", "--models", dir.toString(), "--peer-port", "9001");
    assertEquals(Main.EXIT_USAGE, peer.exit());
    assertTrue(peer.err().contains("--peer-port") && peer.err().contains("PeerEndpoint"), peer.err());
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
  void serveBenchRefusesBadLevels() {
    CliTest.Result r = CliTest.run("serve-bench", "x.onnx", "--concurrency", "0");
    assertEquals(Main.EXIT_USAGE, r.exit());
    assertTrue(r.err().contains("--concurrency"), r.err());
  }
}
