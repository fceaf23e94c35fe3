package io.edgewise.serve.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.split.CutPoint;
import io.edgewise.serve.peer.DirectoryModelResolver;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerServer;
import io.edgewise.serve.peer.PeerServerConfig;
import io.edgewise.serve.peer.SplitInference;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The split/peer client with a budget over loopback: the peer's answer (checked against the ONNX test vector) wins
 * when it comes within the budget, the fallback answers when the peer cannot (it does not hold the model), and the
 * loser's outputs are closed. STANDBY with a minute's budget: the hold, not the clock, decides who answers.
 */
class BudgetedSplitTest {
  private static final String TOKEN = "budget-split-token-0123456789";

  @Test
  void thePeersAnswerWinsWithinTheBudgetAndTheFallbackAnswersWhenThePeerCannot() throws Exception {
    Path dir = TestData.model("digits_cnn_0to9");
    Tensor[] local = new Tensor[1];
    LocalFallback fallback = new LocalFallback("local", in -> {
      local[0] = Tensor.ofFloats(Shape.of(1, 10), new float[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
      return Map.of("logits", local[0]);
    });
    for (boolean peerHasModel : new boolean[] {true, false}) {
      // a peer that resolves no model refuses the split run: the fallback is all that is left
      PeerServer server = new PeerServer(PeerServerConfig.of(0, new DirectoryModelResolver(peerHasModel
          ? List.of(dir) : List.of(TestData.model("squeezenet1_1"))), TOKEN));
      int port = server.start();
      try (PeerClient client = PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, TOKEN));
          SplitInference split = new SplitInference(dir.resolve("model.onnx"), SessionOptions.defaults()
              .withDevice("cpu"), client, 2);
          BudgetedSplit budgeted = new BudgetedSplit(split, BudgetedCall.Mode.STANDBY);
          Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
          Tensor y = TensorProtos.readFile(dir.resolve("test_data_set_0/output_0.pb"))) {
        String input = split.model().graph().inputNames().get(0);
        CutPoint cut = split.cuts().get(split.cuts().size() / 2);
        assertFalse(cut.isAllLocal());
        BudgetedCall.Result<SplitInference.SplitRun> r = budgeted.run(Map.of(input, x), cut, TensorEncoding.FP32,
            60_000, fallback);
        try (SplitInference.SplitRun run = r.value()) {
          assertEquals(!peerHasModel, r.local(), "peer has the model: " + peerHasModel);
          float[] out = run.outputs().values().iterator().next().toFloatArray();
          if (peerHasModel) {
            assertArrayEquals(y.toFloatArray(), out, 1e-3f);
            assertTrue(run.remoteNanos() > 0 && run.bytesSent() > 0);
            assertTrue(local[0].isClosed(), "the held fallback answer lost and was closed");
          } else {
            assertEquals(1, out[3], 0);
            assertEquals(0, run.bytesSent());
          }
        }
      } finally {
        server.close();
      }
    }
  }
}
