package io.edgewise.cli;

import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --input NAME=FILE.pb}, repeatable: a model's inputs as TensorProto files. */
public final class InputOptions {
  @Option(names = "--input", paramLabel = "NAME=FILE.pb", description = "An input as a TensorProto file, "
      + "repeatable (default: a test directory's test_data_set_0 when there is one, else seeded random values of "
      + "the declared shapes).")
  Map<String, Path> files = new LinkedHashMap<>();

  public boolean isEmpty() {
    return files.isEmpty();
  }

  /** Reads every given input into {@code feeds} (the caller closes them); returns where they came from. */
  public String readInto(Map<String, Tensor> feeds) {
    for (Map.Entry<String, Path> e : files.entrySet()) {
      feeds.put(e.getKey(), TensorProtos.readFile(e.getValue()));
    }
    return "from " + files.values();
  }
}
