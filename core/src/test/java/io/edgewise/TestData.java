package io.edgewise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
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

  /** Copies a test directory (e.g. one ONNX node test) so a test can alter it. */
  public static Path copyDirectory(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }
}
