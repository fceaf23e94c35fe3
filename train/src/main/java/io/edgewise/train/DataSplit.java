package io.edgewise.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A train/test split of a data directory in the layout of the shared digits set: NAME_x.f32 (float32 little-endian,
 * [count, features]), NAME_y.u8 (one uint8 label per sample), and a split JSON with 0-based "train" and "test" index
 * lists. Protocol A trains on the whole train list; protocol B on the first `shots` train indices (ascending) of
 * each class, as the digits README defines its 10-shot protocol.
 */
public record DataSplit(Dataset train, Dataset test) {
  public enum Protocol { A, B }

  public static DataSplit load(Path dir, Path splitFile, Protocol protocol, int shots) {
    Dataset all = loadDirectory(dir);
    Path split = splitFile != null ? splitFile : dir.resolve("split_seed0.json");
    JsonNode json = readSplit(split);
    int[] train = indices(json, "train", split, all.size());
    int[] test = indices(json, "test", split, all.size());
    if (protocol == Protocol.B) {
      train = firstPerClass(all, train, shots);
    }
    return new DataSplit(all.subset(train), all.subset(test));
  }

  /** The first `shots` indices of each class, taken in ascending index order, then sorted. */
  static int[] firstPerClass(Dataset all, int[] train, int shots) {
    int[] sorted = train.clone();
    Arrays.sort(sorted);
    int[] taken = new int[all.classes()];
    List<Integer> out = new ArrayList<>();
    for (int i : sorted) {
      int y = all.labels()[i];
      if (taken[y] < shots) {
        taken[y]++;
        out.add(i);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The 0-based sample indices of one list ("train" or "test") of a split file, each checked below {@code count}. */
  public static int[] splitIndices(Path split, String field, int count) {
    return indices(readSplit(split), field, split, count);
  }

  private static JsonNode readSplit(Path split) {
    try {
      return new ObjectMapper().readTree(Files.readAllBytes(split));
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "split file " + split + " does not exist (--split FILE)");
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read split " + split + ": " + e.getMessage(), e);
    }
  }

  private static int[] indices(JsonNode json, String field, Path split, int count) {
    JsonNode list = json.get(field);
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw EdgewiseException.invalidArgument(split + ": field '" + field + "' must be a non-empty array of sample "
          + "indices");
    }
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = list.get(i);
      if (!v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= count) {
        throw EdgewiseException.invalidArgument(split + ": " + field + "[" + i + "] = " + v + " is not an index below "
            + count);
      }
      out[i] = v.asInt();
    }
    return out;
  }

  /** Reads the single NAME_x.f32 / NAME_y.u8 pair of a directory: the one reader of this layout. */
  public static Dataset loadDirectory(Path dir) {
    Path x = featuresFile(dir);
    String name = x.getFileName().toString();
    Path y = dir.resolve(name.substring(0, name.length() - "_x.f32".length()) + "_y.u8");
    byte[] xb = read(x);
    byte[] yb = read(y);
    if (yb.length == 0 || xb.length % (4L * yb.length) != 0) {
      throw EdgewiseException.invalidArgument(x + " holds " + xb.length + " bytes, not a whole number of float32 rows "
          + "for the " + yb.length + " labels of " + y);
    }
    float[] features = new float[xb.length / 4];
    ByteBuffer.wrap(xb).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(features);
    int[] labels = new int[yb.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = yb[i] & 0xff;
    }
    return new Dataset(features, features.length / labels.length, labels);
  }

  /** The directory's single NAME_x.f32 file (its labels are NAME_y.u8 beside it). */
  public static Path featuresFile(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> xs = files.filter(p -> p.getFileName().toString().endsWith("_x.f32")).sorted().toList();
      if (xs.size() != 1) {
        throw new EdgewiseException(ErrorCode.NOT_FOUND, "data directory " + dir + " must hold exactly one NAME_x.f32 "
            + "(with NAME_y.u8), found " + xs.size());
      }
      return xs.get(0);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "data directory " + dir + " does not exist");
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, file + " does not exist");
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
