package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.serve.client.BudgetedCall;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.LocalFallback;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EdgewiseClient}'s budgeted inference against a served group on loopback (GroupServeTest's repository): the
 * server's answer with its variant and time, the network estimate it measures, the local fallback when the server
 * cannot answer, and the loser's outputs closed. The hold (STANDBY), not the clock, decides who answers; budgets are a
 * minute.
 */
class BudgetedClientTest {
  @TempDir
  Path repo;

  private static Tensor[] pair() throws Exception {
    Path dir = TestData.model("digits_cnn_0to9").resolve("test_data_set_0");
    return new Tensor[] {TensorProtos.readFile(dir.resolve("input_0.pb")),
        TensorProtos.readFile(dir.resolve("output_0.pb"))};
  }

  @Test
  void theServersAnswerWinsAndTeachesTheNetworkEstimate() throws Exception {
    GroupServeTest.groupRepository(repo);
    Tensor[] xy = pair();
    Tensor[] localOut = new Tensor[1];
    // STANDBY with a minute's budget: the fallback's answer is ready first but held, the server's arrives within the
    // budget and wins, and the held local output must then be closed by the client
    LocalFallback fallback = new LocalFallback("local", in -> {
      localOut[0] = Tensor.ofFloats(Shape.of(1, 10), new float[10]);
      return Map.of("logits", localOut[0]);
    });
    try (ServeFixture f = ServeFixture.start(repo);
        EdgewiseClient c = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build()) {
      assertTrue(Double.isNaN(c.network().estimateMs()), "nothing measured yet");
      EdgewiseClient.BudgetedAnswer a = c.infer("digits", Map.of("input", xy[0]), 60_000, fallback,
          BudgetedCall.Mode.STANDBY);
      assertFalse(a.local());
      assertEquals("big", a.variant());
      assertTrue(a.serverMs() > 0 && a.elapsedMs() > 0, a.toString());
      assertArrayEquals(xy[1].toFloatArray(), a.outputs().get("logits").toFloatArray(), 1e-4f);
      a.outputs().values().forEach(Tensor::close);
      assertEquals(1, c.network().count());
      assertTrue(c.network().estimateMs() >= 0);
      // the loser's output, held while the remote answer came, was handed back and closed before the call returned
      assertTrue(localOut[0] != null && localOut[0].isClosed(), "the losing fallback's output was closed");
    } finally {
      xy[0].close();
      xy[1].close();
    }
  }

  @Test
  void whenTheServerCannotAnswerTheFallbackDoes() throws Exception {
    GroupServeTest.groupRepository(repo);
    Tensor[] xy = pair();
    LocalFallback fallback = new LocalFallback("local", in -> Map.of("logits",
        Tensor.ofFloats(Shape.of(1, 10), new float[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0})));
    try (ServeFixture f = ServeFixture.start(repo);
        EdgewiseClient c = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build()) {
      // BACKUP with an hour's budget waits for the remote; a 404 (no such group) starts the fallback at once
      EdgewiseClient.BudgetedAnswer a = c.infer("nogroup", Map.of("input", xy[0]), 3_600_000, fallback,
          BudgetedCall.Mode.BACKUP);
      assertTrue(a.local());
      assertEquals("local", a.variant());
      assertEquals(1, a.outputs().get("logits").toFloatArray()[7], 0);
      a.outputs().values().forEach(Tensor::close);
      assertEquals(1, fallback.runs());
      assertEquals(0, c.network().count(), "a refused request teaches no network time");
    } finally {
      xy[0].close();
      xy[1].close();
    }
  }
}
