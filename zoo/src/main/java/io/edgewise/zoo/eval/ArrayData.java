package io.edgewise.zoo.eval;

import io.edgewise.EdgewiseException;
import io.edgewise.train.DataSplit;
import io.edgewise.train.Dataset;
import io.edgewise.zoo.ConfigNode;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Labelled rows in the layout of ../shared/testdata/digits (NAME_x.f32, NAME_y.u8, read by
 * {@link DataSplit#loadDirectory}), optionally the {@code train} or {@code test} list of a split file, at most
 * {@code rows} of them. Config: {@code {dir: D, split: FILE, subset: train|test, rows: N}}.
 */
public final class ArrayData {
  private ArrayData() {}

  public static Dataset load(ConfigNode section) {
    section.onlyFields("dir", "split", "subset", "rows");
    Path dir = section.required("dir").pathValue();
    if (!Files.isDirectory(dir)) {
      throw section.get("dir").error("no directory " + dir);
    }
    Dataset all;
    try {
      all = DataSplit.loadDirectory(dir);
    } catch (EdgewiseException e) {
      throw section.get("dir").error(e.getMessage());
    }
    Dataset rows = all;
    String split = section.text("split", null);
    if (split != null) {
      String subset = section.text("subset", "test");
      if (!subset.equals("train") && !subset.equals("test")) {
        throw section.get("subset").error("'" + subset + "' is not train or test");
      }
      try {
        rows = all.subset(DataSplit.splitIndices(Path.of(split), subset, all.size()));
      } catch (EdgewiseException e) {
        throw section.get("split").error(e.getMessage());
      }
    }
    int limit = section.integer("rows", rows.size(), 1, Integer.MAX_VALUE);
    if (limit < rows.size()) {
      int[] first = new int[limit];
      for (int i = 0; i < limit; i++) {
        first[i] = i;
      }
      rows = rows.subset(first);
    }
    return rows;
  }
}
