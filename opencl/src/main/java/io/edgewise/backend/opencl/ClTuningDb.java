package io.edgewise.backend.opencl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tuning database: the winning tile parameters per (device, convolution shape, algorithm), as `edgewise
 * tune` measured them. A JSON file, read when a session starts; a shape it lacks gets the device's defaults.
 * The file is the system property {@code edgewise.tuning.db}, else {@code $EDGEWISE_CACHE_DIR/tuning-opencl.json},
 * else {@code ~/.cache/edgewise/tuning-opencl.json}.
 */
public final class ClTuningDb {
  /**
   * One tuned shape. {@code gflops} and {@code defaultGflops} were measured on the device (median device time
   * over {@code runs} launches) by the tuner.
   */
  public record Entry(String device, String problem, String algorithm, int rows, int cols, int lx, boolean local,
      int block, double gflops, double defaultGflops, int runs, String measuredAt) {
    public TileParams tiles() {
      return new TileParams(rows, cols, lx, local, block);
    }
  }

  /** The file's layout. */
  public record FileFormat(int version, List<Entry> entries) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Path file;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  private ClTuningDb(Path file) {
    this.file = file;
  }

  public static Path defaultPath() {
    String prop = System.getProperty("edgewise.tuning.db");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("EDGEWISE_CACHE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env, "tuning-opencl.json");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "edgewise", "tuning-opencl.json");
  }

  /** The database in {@code file}; empty if the file does not exist. A malformed file is an error naming it. */
  public static ClTuningDb load(Path file) {
    ClTuningDb db = new ClTuningDb(file);
    try {
      FileFormat f = JSON.readValue(Files.readAllBytes(file), FileFormat.class);
      if (f.entries() != null) {
        f.entries().forEach(db::put);
      }
    } catch (NoSuchFileException e) {
      // nothing tuned yet
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, "tuning database " + file
          + " is not readable JSON: " + e.getMessage(), e);
    }
    return db;
  }

  public Path file() {
    return file;
  }

  /** One entry per (device, shape): the algorithm is part of what was tuned (CPU devices search two kernels). */
  private static String key(String device, String problem) {
    return device + "\n" + problem;
  }

  /** The tuned tiles of a shape if they were tuned for {@code algorithm}, else null. */
  public synchronized TileParams lookup(ClDevice device, ConvProblem p, ConvAlgorithm algorithm) {
    Entry e = entries.get(key(device.compilerIdentity(), p.key()));
    return e == null || !e.algorithm().equals(algorithm.name()) ? null : e.tiles();
  }

  /** The tuned kernel and tiles of a shape, or null if it was never tuned on this device. */
  public synchronized ConvChoice tuned(ClDevice device, ConvProblem p) {
    Entry e = entries.get(key(device.compilerIdentity(), p.key()));
    if (e == null) {
      return null;
    }
    try {
      return new ConvChoice(ConvAlgorithm.valueOf(e.algorithm()), e.tiles());
    } catch (IllegalArgumentException unknown) {
      return null;  // written by a later version: the defaults serve
    }
  }

  /** The tuned parameters if present, else the device's defaults. */
  public TileParams tilesFor(ClDevice device, ConvProblem p, ConvAlgorithm algorithm) {
    TileParams t = lookup(device, p, algorithm);
    return t != null ? t : TileParams.defaults(device, algorithm, p);
  }

  /**
   * What a plan runs for a shape: the tuned kernel and tiles, else the device's default kernel and tiles. With
   * {@code constantWeights} false only kernels that take the weights as they are qualify.
   */
  public ConvChoice choose(ClDevice device, ConvProblem p, boolean constantWeights) {
    ConvChoice t = tuned(device, p);
    if (t != null && (constantWeights || t.algorithm() != ConvAlgorithm.CHANNEL_VEC)) {
      return t;
    }
    ConvAlgorithm alg = p.algorithm(device.type());
    return new ConvChoice(alg, tilesFor(device, p, alg));
  }

  public synchronized void put(Entry e) {
    entries.put(key(e.device(), e.problem()), e);
  }

  /** Every entry, or those of one device, ordered by problem. */
  public synchronized List<Entry> entries(ClDevice device) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (device == null || e.device().equals(device.compilerIdentity())) {
        out.add(e);
      }
    }
    out.sort(Comparator.comparing(Entry::problem));
    return out;
  }

  /** Writes the file (atomically: a reader never sees half of it). */
  public synchronized void save() {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      JSON.writeValue(tmp.toFile(), new FileFormat(1, List.copyOf(entries.values())));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot write tuning database " + file + ": " + e,
          e);
    }
  }
}
