package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.Tolerance;
import io.edgewise.runtime.split.CutPoint;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Split execution over loopback equals whole-model local inference within each shared model's tolerance.json:
 * the prefix runs here, the suffix on a PeerServer that found the model by its sha256 and cut it itself.
 */
class SplitInferenceTest {
  private static final String TOKEN = "split-test-token-0123456789";
  private static PeerServer server;
  private static PeerClient client;

  @BeforeAll
  static void startPeer() {
    List<Path> models = new ArrayList<>();
    for (String m : List.of("digits_cnn_0to9", "squeezenet1_1", "resnet18", "mobilenet_v2")) {
      models.add(TestData.model(m));
    }
    server = new PeerServer(PeerServerConfig.of(0, new DirectoryModelResolver(models), TOKEN));
    int port = server.start();
    client = PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, TOKEN));
  }

  @AfterAll
  static void stopPeer() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** samples: how many cuts to try, spread over the valid ones (0 = every cut). */
  @ParameterizedTest
  @CsvSource({"digits_cnn_0to9, 0", "squeezenet1_1, 4", "resnet18, 2", "mobilenet_v2, 3"})
  void splitEqualsLocal(String name, int samples) {
    Path dir = TestData.model(name);
    Tolerance tol = Tolerance.forDirectory(dir);
    try (SplitInference split = new SplitInference(dir.resolve("model.onnx"), SessionOptions.defaults()
        .withDevice("cpu"), client, 2);
        Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
      String input = split.model().graph().inputNames().get(0);
      List<CutPoint> cuts = split.cuts();
      assertTrue(cuts.size() >= 3, name + " has only " + cuts.size() + " cuts");
      assertTrue(cuts.get(0).position() == 0 && cuts.get(cuts.size() - 1).isAllLocal());
      Map<String, Tensor> local = split.runLocal(Map.of(input, x));
      try {
        for (CutPoint cut : pick(cuts, samples)) {
          try (SplitInference.SplitRun r = split.run(Map.of(input, x), cut, TensorEncoding.FP32,
              Duration.ofSeconds(60))) {
            assertEquals(local.keySet(), r.outputs().keySet());
            for (String out : local.keySet()) {
              assertClose(local.get(out), r.outputs().get(out), tol, name + " " + cut.describe() + " " + out);
            }
            if (!cut.isAllLocal()) {
              assertTrue(r.remoteNanos() > 0 && r.peerComputeMicros() > 0, "the peer did not run " + cut.describe());
            }
            if (!cut.isAllLocal() && cut.bytes() > 0) {
              assertTrue(r.bytesSent() >= cut.bytes(), "sent " + r.bytesSent() + " B for " + cut.describe());
            }
          }
        }
      } finally {
        local.values().forEach(Tensor::close);
      }
    }
  }

  private static List<CutPoint> pick(List<CutPoint> cuts, int samples) {
    if (samples == 0 || cuts.size() <= samples) {
      return cuts;
    }
    List<CutPoint> out = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      out.add(cuts.get((int) Math.round((i + 0.5) * (cuts.size() - 1) / samples)));
    }
    out.add(cuts.get(0));
    return out;
  }

  static void assertClose(Tensor expected, Tensor actual, Tolerance tol, String what) {
    assertEquals(expected.shape(), actual.shape(), what);
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    for (int i = 0; i < e.length; i++) {
      if (!tol.accepts(a[i], e[i])) {
        throw new AssertionError(what + "[" + i + "]: " + a[i] + " vs local " + e[i] + " beyond " + tol);
      }
    }
  }
}
