package io.edgewise.model.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShapeInferenceTest {
  /** Every value of the shared models: the inferred shape equals the shape ref actually produces. */
  @Test
  void inferredShapesMatchWhatRefComputes() {
    for (String name : new String[] {"resnet18", "mobilenet_v2", "squeezenet1_1", "digits_cnn_0to9"}) {
      Path dir = TestData.model(name);
      Map<String, ValueInfo> inferred;
      try (Model m = OnnxImporter.load(dir.resolve("model.onnx"))) {
        ShapeInference.infer(m);
        inferred = Map.copyOf(m.graph().valueInfo());
      }
      Model exposed = OnnxImporter.load(dir.resolve("model.onnx"));
      List<String> values = exposed.graph().nodes().stream().flatMap(n -> n.outputs().stream()).toList();
      exposed.graph().outputs().clear();
      values.forEach(v -> exposed.graph().outputs().add(ValueInfo.tensor(v, DType.FLOAT32)));
      try (Session s = Session.open(exposed, SessionOptions.defaults().withOptimize(false));
          Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
        Map<String, Tensor> all = s.run(Map.of("input", x));
        try {
          for (String v : values) {
            ValueInfo info = inferred.get(v);
            assertNotNull(info, name + ": no shape inferred for " + v);
            assertEquals(all.get(v).shape(), info.concreteShape(), name + ": " + v);
            assertEquals(all.get(v).dtype(), info.dtype(), name + ": " + v);
          }
        } finally {
          all.values().forEach(Tensor::close);
        }
      }
    }
  }

  @Test
  void aSymbolicBatchPropagatesToTheLogits() {
    Map<String, Integer> classes = Map.of("resnet18", 1000, "mobilenet_v2", 1000, "squeezenet1_1", 1000,
        "digits_cnn_0to9", 10, "digits_cnn_0to4", 5);
    for (String name : classes.keySet()) {
      try (Model m = OnnxImporter.load(TestData.model(name).resolve("model.onnx"))) {
        ValueInfo in = m.graph().inputs().get(0);
        List<Dim> dims = new java.util.ArrayList<>(in.dims());
        dims.set(0, Dim.symbol("N"));
        m.graph().inputs().set(0, new ValueInfo(in.name(), in.dtype(), dims, null));
        // the file's declared output says batch 1: erase it so only inference speaks
        ValueInfo out = m.graph().outputs().get(0);
        m.graph().outputs().set(0, ValueInfo.tensor(out.name(), out.dtype()));
        m.graph().valueInfo().clear();
        ShapeInference.infer(m);
        ValueInfo logits = m.graph().valueInfo().get(out.name());
        assertNotNull(logits, name);
        assertEquals(List.of(Dim.symbol("N"), Dim.of(classes.get(name))), logits.dims(), name);
        for (Node n : m.graph().nodes()) {
          ValueInfo v = m.graph().valueInfo().get(n.output(0));
          assertNotNull(v, name + ": " + n.describe() + " left unknown");
          // activations, not shape arithmetic or weights passed through Identity
          if (v.dtype() == in.dtype() && !v.dims().isEmpty() && !m.graph().isInitializer(n.input(0))) {
            assertEquals(Dim.symbol("N"), v.dims().get(0), name + ": " + n.describe() + " lost the batch symbol");
          }
        }
        if (name.equals("resnet18")) {
          Node firstConv = m.graph().nodes().get(0);
          assertEquals("[N, 64, 112, 112]", m.graph().valueInfo().get(firstConv.output(0)).dims().toString());
        }
      }
    }
  }

  @Test
  void aDeclaredShapeThatContradictsTheOpIsAnError() {
    try (Model m = OnnxImporter.load(TestData.onnxNode().resolve("test_relu/model.onnx"))) {
      ValueInfo y = m.graph().outputs().get(0);
      m.graph().outputs().set(0, ValueInfo.tensor(y.name(), DType.FLOAT32, io.edgewise.tensor.Shape.of(9, 9)));
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> ShapeInference.infer(m));
      assertTrue(e.getMessage().contains("Relu") && e.getMessage().contains("declared"), e.getMessage());
    }
  }
}
