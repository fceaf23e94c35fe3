package io.edgewise.backend.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.TestData;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `ort` device on its own: the device record, the Tensor <-> OnnxTensor conversion for every dtype ORT's Java
 * API takes (through in-memory models, so through the exporter too), error mapping, and a real model file.
 * (The whole shared data set on ort is {@code runtime.conformance.OrtConformanceTest}.)
 */
class OrtBackendTest {
  private static final SessionOptions ORT = SessionOptions.defaults().withDevice("ort").withThreads(1);

  @Test
  void deviceIsACpuWithTheOrtVersionAndEveryCore() {
    try (OrtBackend b = new OrtBackend()) {
      Device d = b.device();
      assertEquals("ort", d.name());
      assertEquals(DeviceKind.CPU, d.kind());
      assertTrue(d.description().matches("ONNX Runtime \\d+\\.\\d+.*"), d.description());
      assertEquals(Runtime.getRuntime().availableProcessors(), d.computeUnits());
      assertEquals("unknown", d.peakSource());
    }
  }

  /** Identity round trip: the values come back bit-exact and the dtype and shape unchanged. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "FLOAT16", "INT8", "UINT8", "INT16", "INT32",
      "INT64", "BOOL"})
  void everyDtypeOrtTakesRoundTrips(DType dtype) {
    Shape shape = Shape.of(2, 3);
    double[] values = dtype == DType.BOOL ? new double[] {1, 0, 0, 1, 1, 0}
        : dtype == DType.UINT8 ? new double[] {0, 1, 7, 100, 200, 255}
        : dtype.isFloatingPoint() ? new double[] {-2.5, 0, 0.125, 1, 3.5, -1024}
        : new double[] {-128, -1, 0, 1, 42, 127};
    try (Session s = Session.open(identity(dtype, shape), ORT);
        Tensor x = Tensor.ofDoubles(dtype, shape, values)) {
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try (Tensor y = out.get("y")) {
        assertEquals(dtype, y.dtype());
        assertEquals(shape, y.shape());
        assertArrayEquals(x.toDoubleArray(), y.toDoubleArray());
      }
    }
  }

  @Test
  void scalarsRoundTrip() {
    try (Session s = Session.open(identity(DType.INT64, Shape.scalar()), ORT);
        Tensor x = Tensor.scalarLong(-7)) {
      try (Tensor y = s.run(Map.of("x", x)).get("y")) {
        assertEquals(0, y.shape().rank());
        assertEquals(-7, y.getLong(0));
      }
    }
  }

  /** ORT's Java API cannot create unsigned 16/32/64-bit inputs, but it returns such outputs; those convert. */
  @Test
  void unsignedOutputsConvert() {
    for (DType target : List.of(DType.UINT16, DType.UINT32, DType.UINT64)) {
      Graph g = new Graph("cast");
      g.inputs().add(ValueInfo.tensor("x", DType.INT32, Shape.of(3)));
      g.outputs().add(ValueInfo.tensor("y", target, Shape.of(3)));
      g.nodes().add(new Node("c", "Cast", "", List.of("x"), List.of("y"),
          Map.of("to", Attribute.ofInt("to", target.onnxCode()))));
      try (Session s = Session.open(new Model(g, Map.of("", 13L), 8, "test", null, null), ORT);
          Tensor x = Tensor.ofLongs(DType.INT32, Shape.of(3), 0, 5, 60000);
          Tensor y = s.run(Map.of("x", x)).get("y")) {
        assertEquals(target, y.dtype());
        assertArrayEquals(new long[] {0, 5, 60000}, y.toLongArray(), target.toString());
      }
    }
  }

  @Test
  void unsignedInputsAreRefusedByName() {
    try (Session s = Session.open(identity(DType.UINT32, Shape.of(2)), ORT);
        Tensor x = Tensor.ofLongs(DType.UINT32, Shape.of(2), 1, 2)) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> s.run(Map.of("x", x)));
      assertEquals(ErrorCode.UNSUPPORTED_TYPE, e.code());
      assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("model 'id'"), e.getMessage());
    }
  }

  /** A model ORT refuses (an op it does not know) is a DEVICE error naming the model, not an OrtException. */
  @Test
  void ortErrorsBecomeDeviceErrorsWithTheModelsLabel() {
    Graph g = new Graph("bogus");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(2)));
    g.nodes().add(new Node("n", "NoSuchOp", "", List.of("x"), List.of("y"), Map.of()));
    Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
    try (OrtBackend b = new OrtBackend()) {
      EdgewiseException e = assertThrows(EdgewiseException.class,
          () -> b.compile(m, ORT.backendOptions()));
      assertEquals(ErrorCode.DEVICE, e.code());
      assertTrue(e.getMessage().contains("model 'bogus'") && e.getMessage().contains("NoSuchOp"), e.getMessage());
    } finally {
      m.close();
    }
  }

  /** A model file goes to ORT as read; its outputs match the file's expected outputs within tolerance.json. */
  @Test
  void digitsModelFileMatchesItsExpectedOutput() throws Exception {
    Path dir = TestData.model("digits_cnn_0to9");
    double atol = Double.parseDouble(Files.readString(dir.resolve("tolerance.json"))
        .replaceAll("(?s).*\"atol\"\\s*:\\s*([0-9.eE+-]+).*", "$1"));
    try (Session s = Session.open(dir.resolve("model.onnx"), ORT);
        Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
        Tensor expected = TensorProtos.readFile(dir.resolve("test_data_set_0/output_0.pb"))) {
      String input = s.inputs().get(0).name();
      String output = s.outputs().get(0).name();
      try (Tensor y = s.run(Map.of(input, x)).get(output)) {
        float[] a = y.toFloatArray();
        float[] e = expected.toFloatArray();
        assertEquals(e.length, a.length);
        for (int i = 0; i < a.length; i++) {
          assertTrue(Math.abs(a[i] - e[i]) <= atol, "element " + i + ": " + a[i] + " vs " + e[i]);
        }
      }
    }
  }

  /** Every tensor ORT hands back is copied out and every OnnxTensor closed: many runs leak nothing. */
  @Test
  void repeatedRunsLeaveNoLiveTensorsBehind(@TempDir Path tmp) {
    try (Session s = Session.open(identity(DType.FLOAT32, Shape.of(64)), ORT);
        Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(64))) {
      long before = Tensor.liveCount();
      for (int i = 0; i < 200; i++) {
        s.run(Map.of("x", x)).values().forEach(Tensor::close);
      }
      assertEquals(before, Tensor.liveCount());
    }
  }

  private static Model identity(DType dtype, Shape shape) {
    Graph g = new Graph("id");
    g.inputs().add(ValueInfo.tensor("x", dtype, shape));
    g.outputs().add(ValueInfo.tensor("y", dtype, shape));
    g.nodes().add(new Node("n", "Identity", List.of("x"), List.of("y")));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  /** ONNX Runtime runs the whole graph as one unit: the session places every node on ort, none fell back. */
  @Test
  void placementPutsEveryNodeOnOrt() {
    Path dir = TestData.model("digits_cnn_0to9");
    try (Session s = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice("ort"))) {
      assertEquals(s.model().graph().nodes().size(), s.placement().size());
      assertTrue(s.placement().stream().allMatch(p -> p.device().equals("ort") && !p.fellBack()),
          s.placement().toString());
    }
  }
}
