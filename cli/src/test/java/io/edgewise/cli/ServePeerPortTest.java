package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.Tolerance;
import io.edgewise.serve.ServeFixture;
import io.edgewise.serve.peer.DirectoryModelResolver;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.serve.peer.PeerException;
import io.edgewise.serve.peer.PeerMessage;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `edgewise serve --peer-port`: the peer protocol over the same repository and the same bearer token as HTTP. */
class ServePeerPortTest {
  @Test
  void servePeerPortRunsPartialInferenceWithTheHttpToken(@TempDir Path dir) throws Exception {
    Path repo = ServeFixture.digitsRepository(Files.createDirectory(dir.resolve("repo")));
    ServeCommand command = new ServeCommand();
    StringWriter printed = new StringWriter();
    new CommandLine(command).setOut(new PrintWriter(printed, true)).parseArgs("--models", repo.toString(),
        "--host", "127.0.0.1", "--port", "0", "--peer-port", "0", "--device", "ref");
    Path model = TestData.model("digits_cnn_0to9");
    String hash = DirectoryModelResolver.sha256(model.resolve("model.onnx"));
    try (ServeCommand.Running running = command.start();
        Tensor x = TensorProtos.readFile(model.resolve("test_data_set_0/input_0.pb"));
        Session local = Session.open(model.resolve("model.onnx"), SessionOptions.defaults())) {
      Matcher token = Pattern.compile("bearer token is (\\S+)").matcher(printed.toString());
      Matcher port = Pattern.compile("peer:\\s+listening on 127.0.0.1:(\\d+)").matcher(printed.toString());
      assertTrue(token.find() && port.find(), printed.toString());
      int peerPort = Integer.parseInt(port.group(1));
      assertEquals(PeerErrorCode.UNAUTHENTICATED, assertThrows(PeerException.class, () -> PeerClient.connect(
          PeerClientConfig.of("127.0.0.1", peerPort, "not-the-token-not-the-token"))).peerCode());
      String input = local.inputs().get(0).name();
      try (PeerClient peer = PeerClient.connect(PeerClientConfig.of("127.0.0.1", peerPort, token.group(1)))) {
        assertTrue(peer.capabilities().models().contains(new PeerMessage.ModelInfo("digits/1", hash)),
            peer.capabilities().models().toString());
        Map<String, Tensor> want = local.run(Map.of(input, x));
        try (PeerClient.PartialResult r = peer.partialInfer(hash, Map.of(input, x), TensorEncoding.FP32,
            TensorEncoding.FP32, List.of(), Duration.ofSeconds(30))) {
          Tolerance tol = Tolerance.forDirectory(model);
          Tensor expected = want.values().iterator().next();
          float[] e = expected.toFloatArray();
          float[] a = r.outputs().values().iterator().next().toFloatArray();
          for (int i = 0; i < e.length; i++) {
            assertTrue(tol.accepts(a[i], e[i]), "logit " + i + ": " + a[i] + " vs " + e[i]);
          }
        } finally {
          want.values().forEach(Tensor::close);
        }
      }
    }
  }
}
