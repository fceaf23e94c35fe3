package io.edgewise.train;

import io.edgewise.train.DataSplit;
import io.edgewise.train.Dataset;
import java.nio.file.Path;

/**
 * Labelled samples in the layout of ../shared/testdata/digits ({@code NAME_x.f32} float32 rows, {@code NAME_y.u8}
 * labels), optionally restricted to the {@code test} indices of a split file, as rows the reuse bench streams.
 * The files are read by {@link DataSplit#loadDirectory}, the one reader of that layout; this only reshapes rows.
 */
public record LabeledSamples(float[][] x, int[] y, String source) {

  public int size() {
    return y.length;
  }

  /** Loads DIR's single *_x.f32 / *_y.u8 pair; {@code split} may be null (all rows). */
  public static LabeledSamples load(Path dir, Path split) {
    Dataset all = DataSplit.loadDirectory(dir);
    Dataset rows = split == null ? all : all.subset(DataSplit.splitIndices(split, "test", all.size()));
    int width = rows.featuresPerSample();
    float[][] x = new float[rows.size()][width];
    for (int r = 0; r < x.length; r++) {
      System.arraycopy(rows.features(), r * width, x[r], 0, width);
    }
    String source = DataSplit.featuresFile(dir) + (split == null ? "" : " (test split of " + split.getFileName() + ")");
    return new LabeledSamples(x, rows.labels(), source);
  }
}
