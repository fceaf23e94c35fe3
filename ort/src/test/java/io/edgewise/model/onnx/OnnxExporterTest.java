package io.edgewise.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.TestData;
import io.edgewise.model.Attribute;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Export then re-import: the same graph, the same initializer bytes, the same outputs. */
class OnnxExporterTest {
  @Test
  void sharedModelsRoundTrip() {
    for (String name : new String[] {"squeezenet1_1", "mobilenet_v2", "digits_cnn_0to9"}) {
      Path file = TestData.model(name).resolve("model.onnx");
      try (Model original = OnnxImporter.load(file);
          Model copy = OnnxImporter.load(OnnxExporter.toBytes(original), null)) {
        assertEquals(original.opset(), copy.opset());
        assertEquals(original.graph().nodes().size(), copy.graph().nodes().size());
        for (int i = 0; i < original.graph().nodes().size(); i++) {
          Node a = original.graph().nodes().get(i);
          Node b = copy.graph().nodes().get(i);
          assertEquals(a.opType(), b.opType());
          assertEquals(a.inputs(), b.inputs());
          assertEquals(a.outputs(), b.outputs());
          assertEquals(a.attributes().keySet(), b.attributes().keySet(), a.describe());
          for (Attribute attr : a.attributes().values()) {
            assertEquals(attr.toString(), b.attr(attr.name()).toString(), a.describe());
          }
        }
        assertEquals(original.graph().initializers().keySet(), copy.graph().initializers().keySet());
        original.graph().initializers().forEach((k, t) -> {
          Tensor u = copy.graph().initializers().get(k);
          assertEquals(t.shape(), u.shape(), k);
          assertEquals(t.buffer(), u.buffer(), k);
        });
        assertEquals(original.graph().inputs().toString(), copy.graph().inputs().toString());
        assertEquals(original.graph().outputs().toString(), copy.graph().outputs().toString());
      }
    }
  }

  @Test
  void anExportedModelGivesTheSameOutputsOnRefAndInOnnxRuntime() {
    Path dir = TestData.model("squeezenet1_1");
    byte[] bytes;
    try (Model imported = OnnxImporter.load(dir.resolve("model.onnx"))) {
      bytes = OnnxExporter.toBytes(imported);
    }
    try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
        Session direct = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults());
        Model exported = OnnxImporter.load(bytes, null);
        Session viaExport = Session.open(exported, SessionOptions.defaults().withDevice("ort"))) {
      try (Tensor a = direct.run(Map.of("input", x)).get("logits");
          Tensor b = viaExport.run(Map.of("input", x)).get("logits")) {
        float[] av = a.toFloatArray();
        float[] bv = b.toFloatArray();
        for (int i = 0; i < av.length; i++) {
          assertEquals(av[i], bv[i], 1e-4 * 1.66, "logit " + i);
        }
      }
    }
  }
}
