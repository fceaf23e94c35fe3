package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.TestData;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --shape on run, bench and conformance, and the error for a dynamic input without it. */
class ShapeOptionsTest {
  /** The PaddleOCR detector: input x [?, 3, ?, ?] (H and W multiples of 32), output a map [N, 1, H, W]. */
  private static String detector() {
    Path p = TestData.root().resolve("ocr/ch_PP-OCRv4_det_infer.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(p), p + " is not present");
    return p.toString();
  }

  @Test
  void aDynamicInputWithoutShapeIsOneLineNamingTheInputAndItsDimensions() {
    CliTest.Result r = CliTest.run("run", detector(), "--device", "cpu", "--runs", "1");
    assertEquals(Main.EXIT_FAILURE, r.exit(), r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("input 'x'") && r.err().contains("dynamic dimensions 0")
        && r.err().contains("2 (") && r.err().contains("3 (") && r.err().contains("--shape x=1x3x"), r.err());
  }

  @Test
  void runGeneratesTheGivenShape() throws IOException {
    CliTest.Result r = CliTest.run("run", detector(), "--device", "cpu", "--threads", "1", "--runs", "1",
        "--warmup", "0", "--shape", "x=1x3x64x96", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode doc = Json.MAPPER.readTree(r.out());
    assertEquals("random (seed 42; x=1x3x64x96)", doc.get("inputs").asText());
    assertEquals("[1,1,64,96]", doc.get("outputs").get(0).get("shape").toString());
  }

  @Test
  void shapesThatDisagreeWithTheModelAreUsageErrorsNamingTheDimension() {
    String model = detector();
    CliTest.Result fixed = CliTest.run("run", model, "--device", "ref", "--shape", "x=1x4x64x64");
    assertEquals(Main.EXIT_USAGE, fixed.exit(), fixed.err());
    assertTrue(fixed.err().startsWith("edgewise: --shape x=1x4x64x64: input 'x' dimension 1 is fixed at 3 by the "
        + "model"), fixed.err());
    CliTest.Result rank = CliTest.run("run", model, "--device", "ref", "--shape", "x=3x64x64");
    assertEquals(Main.EXIT_USAGE, rank.exit());
    assertTrue(rank.err().contains("input 'x' has 4 dimensions"), rank.err());
    CliTest.Result unknown = CliTest.run("run", model, "--device", "ref", "--shape", "image=1x3x64x64");
    assertEquals(Main.EXIT_USAGE, unknown.exit());
    assertTrue(unknown.err().contains("the model has no input 'image' (its inputs: [x])"), unknown.err());
    CliTest.Result bad = CliTest.run("run", model, "--device", "ref", "--shape", "x=1x3xHx64");
    assertEquals(Main.EXIT_USAGE, bad.exit());
    assertTrue(bad.err().contains("dimension 2 ('H') is not a positive number"), bad.err());
    CliTest.Result bench = CliTest.run("bench", model, "--devices", "cpu", "--threads", "1", "--shape", "x=1x4x64x64");
    assertEquals(Main.EXIT_USAGE, bench.exit(), bench.err());
  }

  @Test
  void anInputFileOfAnotherShapeThanGivenIsAnErrorNamingTheDimension(@TempDir Path dir) {
    Path file = dir.resolve("x.pb");
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 3, 32, 32))) {
      TensorProtos.writeFile(x, "x", file);
    }
    CliTest.Result other = CliTest.run("run", detector(), "--device", "ref", "--input", "x=" + file, "--shape",
        "x=1x3x64x64");
    assertEquals(Main.EXIT_FAILURE, other.exit(), other.out());
    assertTrue(other.err().contains("input 'x' dimension 2 is fixed at 64 by --shape [1, 3, 64, 64], not 32"),
        other.err());
    Path test = TestData.onnxNode().resolve("test_relu");
    CliTest.Result r = CliTest.run("run", test.resolve("model.onnx").toString(), "--device", "ref", "--input",
        "x=" + test.resolve("test_data_set_0/input_0.pb"), "--shape", "x=3x4x5", "--runs", "1");
    assertEquals(0, r.exit(), r.err());
    // a test directory whose data set has the shapes given runs on it
    CliTest.Result data = CliTest.run("run", test.toString(), "--device", "ref", "--shape", "x=3x4x5", "--runs", "1");
    assertEquals(0, data.exit(), data.err());
    assertTrue(data.out().contains("from " + test.resolve("test_data_set_0")), data.out());
  }

  @Test
  void conformanceFailsATestWhoseModelOrDataDisagreesWithTheShape(@TempDir Path dir) throws IOException {
    TestData.copyDirectory(TestData.onnxNode().resolve("test_relu"), dir.resolve("test_relu"));
    CliTest.Result agrees = CliTest.run("conformance", dir.toString(), "--device", "ref", "--shape", "x=3x4x5");
    assertEquals(0, agrees.exit(), agrees.out());
    CliTest.Result other = CliTest.run("conformance", dir.toString(), "--device", "ref", "--shape", "x=3x4x6");
    assertEquals(Main.EXIT_FAILURE, other.exit(), other.out());
    assertTrue(other.out().contains("FAIL test_relu: --shape x: input 'x' dimension 2 is fixed at 5 by the model"),
        other.out());
    // an input no model declares changes nothing
    assertEquals(0, CliTest.run("conformance", dir.toString(), "--device", "ref", "--shape", "y=1").exit());
  }
}
