package io.edgewise.bench.cosched;

import io.edgewise.EdgewiseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One model of a mix: {@code PATH[@D1xD2x...]}, a model.onnx or an ONNX test directory, with the shape of its one
 * input when the model leaves dimensions dynamic (the OCR models).
 *
 * @param label short name in reports
 * @param file the model.onnx
 * @param dims the input's shape, or null for the declared one
 */
record ModelSpec(String label, Path file, long[] dims) {
  static ModelSpec parse(String spec) {
    String[] parts = spec.split("@", 2);
    Path p = Path.of(parts[0]);
    Path file = Files.isDirectory(p) ? p.resolve("model.onnx") : p;
    if (!Files.isRegularFile(file)) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, spec + ": no model file " + file);
    }
    long[] dims = null;
    if (parts.length == 2) {
      try {
        dims = Arrays.stream(parts[1].split("x")).mapToLong(Long::parseLong).toArray();
      } catch (NumberFormatException e) {
        throw EdgewiseException.invalidArgument(spec + ": the shape after @ must be D1xD2x..., e.g. 1x3x48x320");
      }
      if (Arrays.stream(dims).anyMatch(d -> d < 1)) {
        throw EdgewiseException.invalidArgument(spec + ": every dimension must be at least 1");
      }
    }
    Path named = Files.isDirectory(p) ? p : file;
    String label = named.getFileName().toString().replaceFirst("\\.onnx$", "");
    return new ModelSpec(label, file, dims);
  }

  ModelSpec withLabel(String l) {
    return new ModelSpec(l, file, dims);
  }
}
