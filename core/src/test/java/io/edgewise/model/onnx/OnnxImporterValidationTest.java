package io.edgewise.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.TestData;
import io.edgewise.model.ChainModels;
import io.edgewise.model.ChainModels.Op;
import io.edgewise.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Models the importer used to accept silently though ONNX calls them invalid (issue 19): each refused at import
 * with one line, INVALID_MODEL, naming the field; and every shared model and node test still imports.
 */
class OnnxImporterValidationTest {
  private static final Path FILE = Path.of("model.onnx");

  /** A small valid model: y = Add(Add(Add(x, c), c), c). */
  private static ModelProto valid() {
    return ChainModels.proto(Op.ADD, 3);
  }

  private static EdgewiseException refused(ModelProto m, String... mentions) {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> OnnxImporter.load(m.toByteArray(), FILE));
    assertEquals(ErrorCode.INVALID_MODEL, e.code(), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
    for (String m2 : mentions) {
      assertTrue(e.getMessage().contains(m2), "'" + m2 + "' missing from: " + e.getMessage());
    }
    return e;
  }

  private static void accepted(ModelProto m) {
    try (Model model = OnnxImporter.load(m.toByteArray(), FILE)) {
      assertTrue(model.graph().nodes().size() > 0);
    }
  }

  private static ModelProto withGraph(ModelProto m, GraphProto.Builder g) {
    return m.toBuilder().setGraph(g).build();
  }

  @Test
  void duplicateGraphInputNamesAreRefusedNamingBothEntries() {
    ModelProto m = valid();
    GraphProto.Builder g = m.getGraph().toBuilder();
    g.addInput(g.getInput(0).toBuilder().setName("z"));
    g.addInput(g.getInput(0));  // x again, at index 2
    refused(withGraph(m, g), "graph.input[2] 'x' duplicates graph.input[0]");
  }

  @Test
  void aGraphWithoutOutputsIsRefused() {
    ModelProto m = valid();
    refused(withGraph(m, m.getGraph().toBuilder().clearOutput()), "graph.output", "empty");
  }

  @Test
  void nodesWithMoreOutputsThanTheirOpAllowsAreRefused() {
    ModelProto m = valid();
    // an Add with 3,000 outputs: Add has one
    GraphProto.Builder g = m.getGraph().toBuilder();
    NodeProto.Builder n = g.getNodeBuilder(1);
    for (int i = 0; i < 2999; i++) {
      n.addOutput("extra" + i);
    }
    refused(withGraph(m, g), "node[1]", "field output", "3000 outputs", "Add has at most 1");

    // two outputs on Relu (one allowed) are as wrong as thousands
    g = m.getGraph().toBuilder();
    g.getNodeBuilder(0).setOpType("Relu").clearInput().addInput("x").addOutput("mask");
    refused(withGraph(m, g), "node[0]", "Relu has at most 1");

    // an op of another domain: the global cap
    g = m.getGraph().toBuilder();
    n = g.getNodeBuilder(2).setDomain("com.example").setOpType("Custom");
    for (int i = 0; i < OnnxImporter.MAX_NODE_OUTPUTS; i++) {
      n.addOutput("extra" + i);
    }
    refused(withGraph(m, g), "node[2]", "field output", "at most " + OnnxImporter.MAX_NODE_OUTPUTS);
  }

  @Test
  void outputsTheSchemaAllowsAreAccepted() {
    ModelProto m = valid();
    // Dropout's mask; Split into 3 (variadic)
    GraphProto.Builder g = m.getGraph().toBuilder();
    g.getNodeBuilder(0).setOpType("Dropout").clearInput().addInput("x").addOutput("mask");
    accepted(withGraph(m, g));
    assertEquals(1, OnnxImporter.maxOutputs("", "Relu"));
    assertEquals(5, OnnxImporter.maxOutputs("ai.onnx", "BatchNormalization"));
    assertEquals(OnnxImporter.MAX_NODE_OUTPUTS, OnnxImporter.maxOutputs("", "Split"));
    assertEquals(OnnxImporter.MAX_NODE_OUTPUTS, OnnxImporter.maxOutputs("com.microsoft", "Attention"));
  }

  @Test
  void irVersionsOutsideTheSupportedRangeAreRefused() {
    for (long ir : new long[] {-1, 0, OnnxImporter.MAX_IR_VERSION + 1, Long.MAX_VALUE, Long.MIN_VALUE}) {
      refused(valid().toBuilder().setIrVersion(ir).build(), "ir_version " + ir,
          "outside " + OnnxImporter.MIN_IR_VERSION + ".." + OnnxImporter.MAX_IR_VERSION);
    }
    for (long ir = 3; ir <= OnnxImporter.MAX_IR_VERSION; ir++) {
      accepted(valid().toBuilder().setIrVersion(ir).build());
    }
  }

  /** The shared models and every node test (IR 3 to 13, multi-output ops among them) pass the new checks. */
  @Test
  void everySharedModelAndNodeTestPassesTheChecks() throws Exception {
    List<Path> files = new ArrayList<>();
    for (Path root : new Path[] {TestData.onnxNode(), TestData.models()}) {
      try (Stream<Path> s = Files.list(root)) {
        s.map(d -> d.resolve("model.onnx")).filter(Files::exists).sorted().forEach(files::add);
      }
    }
    assertTrue(files.size() > 100, "found " + files.size() + " models");
    List<String> refused = new ArrayList<>();
    for (Path f : files) {
      try (Model m = OnnxImporter.load(f)) {
        assertTrue(m.irVersion() >= 3, f.toString());
      } catch (EdgewiseException e) {
        String msg = e.getMessage();
        if (msg.contains("ir_version") || msg.contains("field output") || msg.contains("duplicates")
            || msg.contains("graph.output")) {
          refused.add(msg);
        }
      }
    }
    assertEquals(List.of(), refused);
  }
}
