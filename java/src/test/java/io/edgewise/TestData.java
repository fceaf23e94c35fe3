package io.edgewise;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the shared test data lives: ../shared/testdata relative to the repository root (surefire's cwd). */
public final class TestData {
  private TestData() {}

  public static Path root() {
    Path p = Path.of("../shared/testdata");
    Assumptions.assumeTrue(Files.isDirectory(p), "../shared/testdata is not present beside the repository");
    return p;
  }

  public static Path onnxNode() {
    return root().resolve("onnx-node");
  }

  public static Path models() {
    return root().resolve("models");
  }

  public static Path model(String name) {
    return models().resolve(name);
  }
}
