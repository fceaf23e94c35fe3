package io.edgewise.train;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The state of a run after a whole epoch: the parameters that change (trainable ones and running statistics), the
 * optimizer's state, the epochs done and their history, and a fingerprint of the run's settings so that a resume
 * with other settings is refused. Written to a temporary file and atomically renamed, so a run killed while writing
 * leaves the previous checkpoint intact.
 */
public record Checkpoint(String fingerprint, int epochsDone, long optimizerSteps, double trainingSeconds,
    List<double[]> history, Map<String, float[]> parameters, Map<String, float[]> optimizerState) {
  private static final String MAGIC = "edgewise-checkpoint-1";
  private static final String PREFIX = "epoch-";
  private static final String SUFFIX = ".ckpt";

  public static Path fileFor(Path dir, int epochsDone) {
    return dir.resolve(String.format("%s%04d%s", PREFIX, epochsDone, SUFFIX));
  }

  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
      Path target = fileFor(dir, epochsDone);
      Path tmp = dir.resolve(target.getFileName() + ".tmp");
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        out.writeUTF(MAGIC);
        out.writeUTF(fingerprint);
        out.writeInt(epochsDone);
        out.writeLong(optimizerSteps);
        out.writeDouble(trainingSeconds);
        out.writeInt(history.size());
        for (double[] h : history) {
          writeDoubles(out, h);
        }
        writeArrays(out, parameters);
        writeArrays(out, optimizerState);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      // keep the newest two: the last one and its predecessor
      for (Path old : list(dir)) {
        if (epochOf(old) < epochsDone - 1) {
          Files.deleteIfExists(old);
        }
      }
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The checkpoint with the most epochs in dir, or null when there is none. */
  public static Checkpoint latest(Path dir) {
    if (!Files.isDirectory(dir)) {
      return null;
    }
    List<Path> files = list(dir);
    if (files.isEmpty()) {
      return null;
    }
    Path last = files.get(files.size() - 1);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(last)))) {
      if (!in.readUTF().equals(MAGIC)) {
        throw EdgewiseException.invalidArgument(last + " is not an edgewise checkpoint");
      }
      String fingerprint = in.readUTF();
      int epochs = in.readInt();
      long steps = in.readLong();
      double seconds = in.readDouble();
      int n = in.readInt();
      List<double[]> history = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        history.add(readDoubles(in));
      }
      return new Checkpoint(fingerprint, epochs, steps, seconds, history, readArrays(in), readArrays(in));
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read checkpoint " + last + ": " + e.getMessage(), e);
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+" + SUFFIX.replace(".", "\\.")))
          .sorted().toList();
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static int epochOf(Path file) {
    String s = file.getFileName().toString();
    return Integer.parseInt(s.substring(PREFIX.length(), s.length() - SUFFIX.length()));
  }

  private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
    out.writeInt(v.length);
    for (double d : v) {
      out.writeDouble(d);
    }
  }

  private static double[] readDoubles(DataInputStream in) throws IOException {
    double[] v = new double[checkedLength(in.readInt())];
    for (int i = 0; i < v.length; i++) {
      v[i] = in.readDouble();
    }
    return v;
  }

  private static void writeArrays(DataOutputStream out, Map<String, float[]> arrays) throws IOException {
    out.writeInt(arrays.size());
    for (Map.Entry<String, float[]> e : new TreeMap<>(arrays).entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().length);
      for (float f : e.getValue()) {
        out.writeFloat(f);
      }
    }
  }

  private static Map<String, float[]> readArrays(DataInputStream in) throws IOException {
    int n = checkedLength(in.readInt());
    Map<String, float[]> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      float[] v = new float[checkedLength(in.readInt())];
      for (int j = 0; j < v.length; j++) {
        v[j] = in.readFloat();
      }
      out.put(name, v);
    }
    return out;
  }

  private static int checkedLength(int n) throws IOException {
    if (n < 0 || n > (1 << 28)) {
      throw new IOException("corrupt length " + n);
    }
    return n;
  }
}
