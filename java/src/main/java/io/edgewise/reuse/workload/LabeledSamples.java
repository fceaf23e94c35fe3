package io.edgewise.reuse.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Labelled samples in the layout of ../shared/testdata/digits: {@code NAME_x.f32} (float32 little-endian, one row
 * per sample) and {@code NAME_y.u8} (one label byte per sample), optionally restricted to the {@code test}
 * indices of a split file ({@code {"test": [i, ...]}}). Any data set written this way can feed the reuse bench.
 */
public record LabeledSamples(float[][] x, int[] y, String source) {

  public int size() {
    return y.length;
  }

  /** Loads DIR's single *_x.f32 / *_y.u8 pair; {@code split} may be null (all rows). */
  public static LabeledSamples load(Path dir, Path split) {
    Path xs = single(dir, "_x.f32");
    Path ys = dir.resolve(xs.getFileName().toString().replace("_x.f32", "_y.u8"));
    try {
      byte[] labels = Files.readAllBytes(ys);
      byte[] raw = Files.readAllBytes(xs);
      int n = labels.length;
      if (n == 0 || raw.length % (4L * n) != 0) {
        throw new EdgewiseException(ErrorCode.INVALID_ARGUMENT, xs + ": " + raw.length + " bytes do not hold " + n
            + " float32 rows (one per label in " + ys.getFileName() + ")");
      }
      int width = raw.length / 4 / n;
      ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      int[] rows = split == null ? range(n) : testIndices(split, n);
      float[][] x = new float[rows.length][width];
      int[] y = new int[rows.length];
      for (int r = 0; r < rows.length; r++) {
        for (int i = 0; i < width; i++) {
          x[r][i] = b.getFloat((rows[r] * width + i) * 4);
        }
        y[r] = labels[rows[r]] & 0xff;
      }
      return new LabeledSamples(x, y, xs + (split == null ? "" : " (test split of " + split.getFileName() + ")"));
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "cannot read samples from " + dir + ": " + e, e);
    }
  }

  private static Path single(Path dir, String suffix) {
    if (!Files.isDirectory(dir)) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "sample directory " + dir + " does not exist");
    }
    Path found = null;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + suffix)) {
      for (Path p : ds) {
        if (found != null) {
          throw EdgewiseException.invalidArgument(dir + " holds more than one *" + suffix + " file");
        }
        found = p;
      }
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot list " + dir + ": " + e, e);
    }
    if (found == null) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, dir + " holds no *" + suffix + " file");
    }
    return found;
  }

  private static int[] testIndices(Path split, int n) throws IOException {
    JsonNode test = new ObjectMapper().readTree(split.toFile()).get("test");
    if (test == null || !test.isArray()) {
      throw EdgewiseException.invalidArgument(split + ": no \"test\" array of row indices");
    }
    int[] rows = new int[test.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = test.get(i).asInt(-1);
      if (rows[i] < 0 || rows[i] >= n) {
        throw EdgewiseException.invalidArgument(split + ": test[" + i + "] = " + test.get(i) + " is not a row index "
            + "below " + n);
      }
    }
    return rows;
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }
}
