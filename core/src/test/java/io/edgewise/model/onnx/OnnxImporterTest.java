package io.edgewise.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxImporterTest {
  @Test
  void importsEverySharedModelWithTheOpCountsAndHashItsMetadataRecords() throws Exception {
    for (String name : new String[] {"resnet18", "mobilenet_v2", "squeezenet1_1"}) {
      Path dir = TestData.model(name);
      JsonNode meta = new ObjectMapper().readTree(dir.resolve("meta.json").toFile());
      try (Model m = OnnxImporter.load(dir.resolve("model.onnx"))) {
        Map<String, Integer> expected = new HashMap<>();
        meta.get("graph_ops").fields().forEachRemaining(e -> expected.put(e.getKey(), e.getValue().asInt()));
        assertEquals(expected, m.graph().opCounts(), name);
        assertEquals(meta.get("onnx_sha256").asText(), m.contentHash(), name);
        assertEquals(13, m.opset());
        assertEquals(1, m.graph().inputs().size());
        assertEquals("input", m.graph().inputs().get(0).name());
        assertEquals(DType.FLOAT32, m.graph().inputs().get(0).dtype());
        assertEquals(Shape.of(1, 3, 224, 224), m.graph().inputs().get(0).concreteShape());
        assertEquals("logits", m.graph().outputs().get(0).name());
      }
    }
  }

  @Test
  void keepsAttributesAtTheirTypes() {
    try (Model m = OnnxImporter.load(TestData.model("squeezenet1_1").resolve("model.onnx"))) {
      Node pool = m.graph().nodes().stream().filter(n -> n.opType().equals("MaxPool")).findFirst().orElseThrow();
      assertEquals(1, pool.attrInt("ceil_mode", 0));
      assertEquals(2, pool.attrInts("kernel_shape", null).length);
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> pool.attrFloat("ceil_mode", 0f));
      assertTrue(e.getMessage().contains("ceil_mode"), e.getMessage());
    }
  }

  @Test
  void errorsNameTheFileAndWhere(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("nope.onnx");
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> OnnxImporter.load(missing));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("nope.onnx"));

    byte[] model = Files.readAllBytes(TestData.onnxNode().resolve("test_relu/model.onnx"));
    Path truncated = dir.resolve("truncated.onnx");
    Files.write(truncated, java.util.Arrays.copyOf(model, model.length / 2));
    e = assertThrows(EdgewiseException.class, () -> OnnxImporter.load(truncated));
    assertEquals(ErrorCode.INVALID_MODEL, e.code());
    assertTrue(e.getMessage().contains("truncated.onnx") && e.getMessage().contains("byte offset"), e.getMessage());

    Path empty = dir.resolve("empty.onnx");
    Files.write(empty, new byte[0]);
    e = assertThrows(EdgewiseException.class, () -> OnnxImporter.load(empty));
    assertEquals(ErrorCode.INVALID_MODEL, e.code());
  }
}
