package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --output DIR}: a model's outputs written as TensorProto files, in the layout of ONNX test data sets. */
public final class OutputOptions {
  @Option(names = "--output", paramLabel = "DIR", description = "Write each output as DIR/output_K.pb.")
  Path dir;

  /** Writes the outputs in order as DIR/output_K.pb; nothing without --output. */
  public void write(Map<String, Tensor> outputs) {
    if (dir == null) {
      return;
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot create " + dir, e);
    }
    int k = 0;
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      TensorProtos.writeFile(e.getValue(), e.getKey(), dir.resolve("output_" + k++ + ".pb"));
    }
  }
}
