package io.edgewise.reuse.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.train.DataSplit;
import io.edgewise.train.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Labelled samples in the layout of ../shared/testdata/digits: {@code NAME_x.f32} (float32 little-endian, one row
 * per sample) and {@code NAME_y.u8} (one label byte per sample), optionally restricted to the {@code test}
 * indices of a split file ({@code {"test": [i, ...]}}). Any data set written this way can feed the reuse bench.
 */
public record LabeledSamples(float[][] x, int[] y, String source) {

  public int size() {
    return y.length;
  }

  /**
   * Loads DIR's single *_x.f32 / *_y.u8 pair (read by the trainer's reader, so both parts see the same data and the
   * same errors); {@code split} may be null (all rows), else its "test" rows are taken.
   */
  public static LabeledSamples load(Path dir, Path split) {
    Dataset all = DataSplit.loadDirectory(dir);
    int n = all.size();
    int width = all.featuresPerSample();
    try {
      int[] rows = split == null ? range(n) : testIndices(split, n);
      float[][] x = new float[rows.length][];
      int[] y = new int[rows.length];
      for (int r = 0; r < rows.length; r++) {
        x[r] = Arrays.copyOfRange(all.features(), rows[r] * width, (rows[r] + 1) * width);
        y[r] = all.labels()[rows[r]];
      }
      return new LabeledSamples(x, y, dir + (split == null ? "" : " (test split of " + split.getFileName() + ")"));
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "cannot read split " + split + ": " + e, e);
    }
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
