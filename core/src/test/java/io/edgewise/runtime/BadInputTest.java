package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.TestData;
import io.edgewise.model.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-made broken models: each fails with its code, naming the file and the node or field. */
class BadInputTest {
  private static ModelProto relu() throws Exception {
    return ModelProto.parseFrom(Files.readAllBytes(TestData.onnxNode().resolve("test_relu/model.onnx")));
  }

  private static Path write(Path dir, String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static EdgewiseException openFails(Path model) {
    return assertThrows(EdgewiseException.class, () -> Session.open(model).close());
  }

  @Test
  void unknownOpIsNotImplementedAndNamesTheNode(@TempDir Path dir) throws Exception {
    ModelProto m = relu();
    ModelProto bad = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0,
        m.getGraph().getNode(0).toBuilder().setOpType("Frobnicate").setName("mystery"))).build();
    EdgewiseException e = openFails(write(dir, "unknown.onnx", bad.toByteArray()));
    assertEquals(ErrorCode.NOT_IMPLEMENTED, e.code());
    assertTrue(e.getMessage().contains("unknown.onnx") && e.getMessage().contains("'mystery' (Frobnicate)"),
        e.getMessage());
  }

  @Test
  void undefinedInputsAndCyclesAreInvalid(@TempDir Path dir) throws Exception {
    ModelProto m = relu();
    NodeProto node = m.getGraph().getNode(0);
    ModelProto undefined = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0,
        node.toBuilder().setInput(0, "ghost"))).build();
    EdgewiseException e = openFails(write(dir, "undefined.onnx", undefined.toByteArray()));
    assertEquals(ErrorCode.INVALID_MODEL, e.code());
    assertTrue(e.getMessage().contains("input[0] 'ghost'"), e.getMessage());

    NodeProto a = NodeProto.newBuilder().setOpType("Relu").setName("a").addInput("b_out").addOutput("a_out").build();
    NodeProto b = NodeProto.newBuilder().setOpType("Relu").setName("b").addInput("a_out").addOutput("b_out").build();
    ModelProto cycle = m.toBuilder().setGraph(m.getGraph().toBuilder().addNode(a).addNode(b)).build();
    e = openFails(write(dir, "cycle.onnx", cycle.toByteArray()));
    assertEquals(ErrorCode.INVALID_MODEL, e.code());
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
  }

  @Test
  void opsetOutsideTheSupportedRangeIsRefused(@TempDir Path dir) throws Exception {
    ModelProto m = relu();
    ModelProto future = m.toBuilder().setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(99)).build();
    EdgewiseException e = openFails(write(dir, "future.onnx", future.toByteArray()));
    assertEquals(ErrorCode.NOT_IMPLEMENTED, e.code());
    assertTrue(e.getMessage().contains("opset 99") && e.getMessage().contains("opset_import"), e.getMessage());
  }

  @Test
  void aProtobufBombFailsFastWithTheByteOffset(@TempDir Path dir) throws Exception {
    // field 7 (graph), wire type 2, declaring a 2 GiB body that is not there
    byte[] bomb = {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2, 3};
    long t0 = System.nanoTime();
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> OnnxImporter.load(write(dir, "bomb.onnx", bomb)));
    assertTrue((System.nanoTime() - t0) / 1e9 < 5, "took too long");
    assertEquals(ErrorCode.INVALID_MODEL, e.code());
    assertTrue(e.getMessage().contains("bomb.onnx") && e.getMessage().contains("byte offset"), e.getMessage());
  }

  @Test
  void aDirectoryOrMissingFileIsNamed(@TempDir Path dir) {
    assertEquals(ErrorCode.INVALID_ARGUMENT, openFails(dir).code());
    EdgewiseException e = openFails(dir.resolve("absent.onnx"));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("absent.onnx"));
  }
}
