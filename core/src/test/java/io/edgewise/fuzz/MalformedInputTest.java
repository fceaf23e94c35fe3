package io.edgewise.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.TestData;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken files and wrong calls, one kind each: the exception type, its code, and that the message names the file,
 * node, input or field at fault.
 */
class MalformedInputTest {
  @TempDir
  Path dir;

  private static ModelProto model(String nodeTest) throws Exception {
    return ModelProto.parseFrom(Files.readAllBytes(TestData.onnxNode().resolve(nodeTest + "/model.onnx")));
  }

  private Path write(String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** Opens a session on ref (with the graph passes) and expects the failure within 10 s. */
  private static EdgewiseException fails(ErrorCode code, Executable what, String... mentions) {
    EdgewiseException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(EdgewiseException.class, what));
    assertEquals(code, e.code(), e.getMessage());
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' missing from: " + e.getMessage());
    }
    return e;
  }

  private static Executable open(Path file) {
    return () -> Session.open(file, SessionOptions.defaults().withDevice("ref")).close();
  }

  @Test
  void truncatedFilesAreInvalidAndSayWhereParsingStopped() throws Exception {
    byte[] bytes = Files.readAllBytes(TestData.model("digits_cnn_0to9").resolve("model.onnx"));
    for (int cut : new int[] {1, 7, bytes.length / 3, bytes.length / 2, bytes.length - 1}) {
      Path p = write("cut" + cut + ".onnx", Arrays.copyOf(bytes, cut));
      fails(ErrorCode.INVALID_MODEL, open(p), "cut" + cut + ".onnx", "byte offset");
    }
    fails(ErrorCode.INVALID_MODEL, open(write("empty.onnx", new byte[0])), "empty.onnx", "empty");
  }

  @Test
  void corruptBytesAreInvalidModelsNamingTheFile() throws Exception {
    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0xff);
    fails(ErrorCode.INVALID_MODEL, open(write("garbage.onnx", garbage)), "garbage.onnx");
    fails(ErrorCode.INVALID_MODEL, open(write("text.onnx", "not a model at all\n".getBytes())), "text.onnx");
  }

  @Test
  void lengthFieldsClaimingGigabytesFailFastWithoutAllocating() throws Exception {
    ModelProto m = model("test_relu");
    // an initializer's raw_data whose length prefix claims ~2 GiB: spliced in by hand after the real bytes
    byte[] valid = m.toByteArray();
    byte[] bomb = Arrays.copyOf(valid, valid.length + 8);
    byte[] tail = {0x3a, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x0a, 0x01};
    System.arraycopy(tail, 0, bomb, valid.length, tail.length);
    fails(ErrorCode.INVALID_MODEL, open(write("bomb.onnx", bomb)), "bomb.onnx", "byte offset");

    // a tensor that declares 8 G float elements but carries none: refused before any memory is taken
    TensorProto huge = TensorProto.newBuilder().setName("huge").setDataType(1).addDims(1L << 33).build();
    ModelProto withHuge = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(huge)).build();
    // counted in allocations, not bytes: a Cleaner freeing another test's tensor meanwhile must not matter
    long before = NativeCore.allocationCount();
    fails(ErrorCode.INVALID_MODEL, open(write("claims.onnx", withHuge.toByteArray())), "claims.onnx", "'huge'",
        "float_data");
    long allocations = NativeCore.allocationCount() - before;
    // importing the small valid rest of the model allocates a few tensors; 8 G floats would be one huge one
    assertTrue(NativeCore.allocatedBytes() < 1L << 30, "no huge allocation");
    assertTrue(allocations < 16, allocations + " allocations");
  }

  @Test
  void initializerDataThatDoesNotFitItsShapeIsNamed() throws Exception {
    ModelProto m = model("test_relu");
    TensorProto bad = TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
        .setRawData(ByteString.copyFrom(new byte[12])).build();
    ModelProto withBad = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(bad)).build();
    fails(ErrorCode.INVALID_MODEL, open(write("short.onnx", withBad.toByteArray())), "short.onnx", "'w'",
        "raw_data");
  }

  @Test
  void externalDataMustExistAndStayBesideTheModel() throws Exception {
    ModelProto m = model("test_relu");
    TensorProto absent = TensorProto.newBuilder().setName("ext").setDataType(1).addDims(4)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")).build();
    ModelProto a = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(absent)).build();
    fails(ErrorCode.NOT_FOUND, open(write("ext.onnx", a.toByteArray())), "'ext'", "weights.bin");
    TensorProto escape = absent.toBuilder().setExternalData(0, StringStringEntryProto.newBuilder()
        .setKey("location").setValue("../../../etc/passwd")).build();
    ModelProto b = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(escape)).build();
    fails(ErrorCode.INVALID_MODEL, open(write("escape.onnx", b.toByteArray())), "'ext'", "outside");
  }

  @Test
  void unknownOpsAreNotImplementedAtOpenNamingTheNode() throws Exception {
    ModelProto m = model("test_relu");
    NodeProto custom = m.getGraph().getNode(0).toBuilder().setOpType("Frobnicate").setDomain("com.acme")
        .setName("odd_one").build();
    ModelProto bad = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0, custom)).build();
    fails(ErrorCode.NOT_IMPLEMENTED, open(write("custom.onnx", bad.toByteArray())), "custom.onnx",
        "'odd_one'", "Frobnicate");
  }

  @Test
  void anAttributeOfTheWrongKindNamesNodeAndAttribute() throws Exception {
    ModelProto m = model("test_conv_with_strides_padding");
    NodeProto.Builder conv = m.getGraph().getNode(0).toBuilder().setName("c1");
    for (int i = 0; i < conv.getAttributeCount(); i++) {
      if (conv.getAttribute(i).getName().equals("strides")) {
        conv.setAttribute(i, AttributeProto.newBuilder().setName("strides").setType(AttributeProto.AttributeType.FLOAT)
            .setF(2));
      }
    }
    ModelProto bad = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0, conv)).build();
    fails(ErrorCode.INVALID_MODEL, open(write("kind.onnx", bad.toByteArray())), "'c1' (Conv)", "'strides'");
  }

  @Test
  void opsetsOutsideTheSupportedRangeAreNamed() throws Exception {
    ModelProto m = model("test_relu");
    for (long v : new long[] {3, 99}) {
      ModelProto bad = m.toBuilder().setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(v)).build();
      fails(ErrorCode.NOT_IMPLEMENTED, open(write("opset" + v + ".onnx", bad.toByteArray())), "opset" + v + ".onnx",
          "opset_import", "opset " + v);
    }
  }

  @Test
  void cyclesSelfLoopsUndefinedAndDuplicateValuesAreInvalid() throws Exception {
    ModelProto m = model("test_relu");
    NodeProto self = NodeProto.newBuilder().setOpType("Relu").setName("loop").addInput("z").addOutput("z").build();
    ModelProto selfLoop = m.toBuilder().setGraph(m.getGraph().toBuilder().addNode(self)).build();
    fails(ErrorCode.INVALID_MODEL, open(write("self.onnx", selfLoop.toByteArray())), "self.onnx", "'loop'");

    NodeProto twice = m.getGraph().getNode(0).toBuilder().setName("again").build();
    ModelProto duplicate = m.toBuilder().setGraph(m.getGraph().toBuilder().addNode(twice)).build();
    fails(ErrorCode.INVALID_MODEL, open(write("dup.onnx", duplicate.toByteArray())), "dup.onnx",
        "more than once");

    NodeProto ghost = m.getGraph().getNode(0).toBuilder().setInput(0, "ghost").setName("r").build();
    ModelProto undefined = m.toBuilder().setGraph(m.getGraph().toBuilder().setNode(0, ghost)).build();
    fails(ErrorCode.INVALID_MODEL, open(write("ghost.onnx", undefined.toByteArray())), "ghost.onnx", "'ghost'",
        "'r' (Relu)");

    ModelProto noOutput = m.toBuilder().setGraph(m.getGraph().toBuilder().setOutput(0,
        m.getGraph().getOutput(0).toBuilder().setName("nowhere"))).build();
    fails(ErrorCode.INVALID_MODEL, open(write("out.onnx", noOutput.toByteArray())), "out.onnx", "'nowhere'");
  }

  @Test
  void missingFilesAreNotFound() {
    fails(ErrorCode.NOT_FOUND, open(dir.resolve("absent.onnx")), "absent.onnx");
    fails(ErrorCode.NOT_FOUND, () -> OnnxImporter.load(dir.resolve("no/such/dir/m.onnx")), "m.onnx");
  }

  @Test
  void wrongInputsAtRunAreInvalidArgumentsNamingTheInput() {
    Path file = TestData.onnxNode().resolve("test_add/model.onnx");
    try (Session s = Session.open(file, SessionOptions.defaults().withDevice("ref"));
        Tensor ok = Tensor.allocate(DType.FLOAT32, Shape.of(3, 4, 5));
        Tensor wrongShape = Tensor.allocate(DType.FLOAT32, Shape.of(3, 4, 6));
        Tensor wrongRank = Tensor.allocate(DType.FLOAT32, Shape.of(60));
        Tensor wrongType = Tensor.allocate(DType.INT32, Shape.of(3, 4, 5))) {
      fails(ErrorCode.INVALID_ARGUMENT, () -> s.run(Map.of("x", ok, "y", wrongShape)), "'y'", "[3, 4, 6]");
      fails(ErrorCode.INVALID_ARGUMENT, () -> s.run(Map.of("x", wrongRank, "y", ok)), "'x'");
      fails(ErrorCode.INVALID_ARGUMENT, () -> s.run(Map.of("x", ok, "y", wrongType)), "'y'", "int32");
      fails(ErrorCode.INVALID_ARGUMENT, () -> s.run(Map.of("x", ok, "z", ok)), "'z'");
      fails(ErrorCode.INVALID_ARGUMENT, () -> s.run(Map.of("x", ok)), "'y'", "missing");
      // the session is still usable after refusing bad calls
      s.run(Map.of("x", ok, "y", ok)).values().forEach(Tensor::close);
    }
  }
}
