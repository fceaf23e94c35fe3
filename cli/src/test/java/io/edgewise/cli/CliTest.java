package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.TestData;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process, as a user would call it. */
public class CliTest {
  public record Result(int exit, String out, String err) {}

  public static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void devicesListsRefAndOrtAsJson() throws IOException {
    Result r = run("devices", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode devices = Json.MAPPER.readTree(r.out());
    List<String> names = devices.findValuesAsText("name");
    assertTrue(names.containsAll(List.of("ref", "ort")), names.toString());
  }

  @Test
  void runOnADigitTestDirectoryPredictsTheExpectedClass(@TempDir Path outDir) {
    Path dir = TestData.model("digits_cnn_0to9");
    Result r = run("run", dir.toString(), "--device", "ref", "--runs", "3", "--output", outDir.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("measured on ref") && r.out().contains("over 3 runs"), r.out());
    try (Tensor expected = TensorProtos.readFile(dir.resolve("test_data_set_0/output_0.pb"));
        Tensor written = TensorProtos.readFile(outDir.resolve("output_0.pb"))) {
      int top = TopK.argmax(expected);
      assertEquals(top, TopK.argmax(written));
      assertTrue(r.out().contains("class " + String.format("%5d", top)), r.out());
    }
  }

  @Test
  void runPrintsJsonWithTimingAndTop5() throws IOException {
    Result r = run("run", TestData.model("digits_cnn_0to4").toString(), "--device", "ort", "--runs", "2", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode doc = Json.MAPPER.readTree(r.out());
    assertEquals("ort", doc.get("device").asText());
    assertEquals("measured", doc.get("timing").get("kind").asText());
    assertEquals(5, doc.get("outputs").get(0).get("top5").size());
  }

  @Test
  void conformanceExitsNonZeroWhenATestFailsAndEndsWithTheSummaryLine(@TempDir Path dir) throws IOException {
    TestData.copyDirectory(TestData.onnxNode().resolve("test_relu"), dir.resolve("test_relu"));
    TestData.copyDirectory(TestData.onnxNode().resolve("test_sigmoid_example"), dir.resolve("test_sigmoid_broken"));
    Path expected = dir.resolve("test_sigmoid_broken/test_data_set_0/output_0.pb");
    try (Tensor y = TensorProtos.readFile(expected)) {
      y.setFloat(0, y.getFloat(0) + 0.5f);
      TensorProtos.writeFile(y, "y", expected);
    }
    Result r = run("conformance", dir.toString());
    assertEquals(1, r.exit());
    String[] lines = r.out().strip().split("\n");
    assertEquals("1 passed, 1 failed, 0 skipped", lines[lines.length - 1]);
    assertTrue(r.out().contains("FAIL test_sigmoid_broken"), r.out());

    Result good = run("conformance", dir.resolve("test_relu").toString(), "--device", "ort");
    assertEquals(0, good.exit(), good.out());
  }

  @Test
  void errorsAreOneClearLineAndUsageErrorsExitTwo(@TempDir Path dir) {
    Result missing = run("run", dir.resolve("none.onnx").toString());
    assertEquals(Main.EXIT_FAILURE, missing.exit());
    assertTrue(missing.err().startsWith("edgewise: [NOT_FOUND]") && missing.err().contains("none.onnx"),
        missing.err());
    assertTrue(missing.err().strip().lines().count() == 1, missing.err());
    assertEquals(Main.EXIT_USAGE, run("run").exit());
    assertEquals(Main.EXIT_USAGE, run("frobnicate").exit());
  }

  @Test
  void verboseAddsTheStackTraceWhereverItIsGiven(@TempDir Path dir) {
    String model = dir.resolve("none.onnx").toString();
    for (Result r : List.of(run("--verbose", "run", model), run("run", model, "--verbose"))) {
      assertEquals(Main.EXIT_FAILURE, r.exit());
      assertTrue(r.err().contains("at io.edgewise."), r.err());
    }
  }

  @Test
  void outOfRangeOptionsAreUsageErrorsInTwoLines() {
    Result r = run("run", TestData.model("digits_cnn_0to9").toString(), "--runs", "0");
    assertEquals(Main.EXIT_USAGE, r.exit());
    assertEquals(List.of("edgewise: --runs must be at least 1, got 0", "Try 'edgewise run --help' for usage."),
        r.err().strip().lines().toList());
    assertEquals(Main.EXIT_USAGE, run("demo", "--runs", "-1").exit());
    assertEquals(Main.EXIT_USAGE, run("conformance").exit());
  }

  @Test
  void conformanceOverADirectoryWithoutTestsIsAnError(@TempDir Path dir) {
    Result r = run("conformance", dir.toString());
    assertEquals(Main.EXIT_FAILURE, r.exit());
    assertEquals("0 passed, 0 failed, 0 skipped", r.out().strip());
    assertTrue(r.err().contains("no ONNX test directories"), r.err());
  }

  @Test
  void runWithoutInputsOnAModelFileUsesSeededRandomInputsAndSaysSo() throws IOException {
    Path file = TestData.model("digits_cnn_0to9").resolve("model.onnx");
    Result a = run("run", file.toString(), "--runs", "1", "--json");
    Result b = run("run", file.toString(), "--runs", "1", "--json", "--device", "ort");
    assertEquals(0, a.exit(), a.err());
    JsonNode da = Json.MAPPER.readTree(a.out());
    JsonNode db = Json.MAPPER.readTree(b.out());
    assertTrue(da.get("inputs").asText().startsWith("random (seed"), a.out());
    // same seed, same inputs: auto (the default device) and ort agree on the top class
    assertEquals(da.get("outputs").get(0).get("top5").get(0).get("index"),
        db.get("outputs").get(0).get("top5").get(0).get("index"));
  }

  @Test
  void demoRunsEveryDeviceWithoutSharedData() {
    Result r = run("demo", "--runs", "3");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("ref") && r.out().contains("ort"), r.out());
    assertTrue(!r.out().contains("DIFFERS") && !r.out().contains("failed"), r.out());
  }

}
