package io.edgewise.runtime.plan;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-machine profile database the placement planner's cost model reads: per (device, thread count), the
 * measured (or, for a real FPGA image, modeled) time of each (op, shapes, attributes) key and the device's transfer
 * cost. A JSON file beside the tuning database: the system property {@code edgewise.profile.db}, else {@code
 * $EDGEWISE_CACHE_DIR/profile.json}, else {@code ~/.cache/edgewise/profile.json}. Entries are added as models are
 * planned (a key measured once is not measured again); saving merges with what another process wrote meanwhile.
 * A device's figures can carry a {@link Rescale}: a whole-model check found them off by more than a margin (the
 * machine slowed or sped up since, or the profile came from another machine) and they now count at a factor.
 * Thread-safe.
 */
public final class ProfileDb {
  /**
   * One op's time on one device.
   *
   * @param ms milliseconds per call
   * @param source "measured" (a profiled run on the device, scaled to its measured whole-run time) or "modeled"
   *     (the device's analytical model)
   * @param runs how many runs the figure is the mean of (0 for modeled)
   * @param at when (ISO-8601)
   */
  public record OpCost(double ms, String source, int runs, String at) {}

  /**
   * Moving one value between the host and the device, measured with a one-node model at two sizes.
   *
   * @param callMs the fixed cost per value and direction
   * @param perByteMs the cost per byte
   */
  public record Transfer(double callMs, double perByteMs, String at) {}

  /**
   * A device's figures found out of date by a whole-model check ({@link DriftCheck}) and scaled: every op figure of
   * the device (and figures measured later, which are stored divided by it) counts {@code factor} times its stored
   * value. Kept in the profile so that a planner reading it later knows the figures were scaled, by what run and when.
   *
   * @param factor what the stored figures are multiplied by (1 where never scaled)
   * @param model the model whose check found the drift
   * @param predictedMs that model's whole-run time on the device as the figures predicted it before the scaling
   * @param measuredMs the check's median whole-run time
   * @param at when (ISO-8601)
   */
  public record Rescale(double factor, String model, double predictedMs, double measuredMs, String at) {}

  /** Everything known of one device at one thread count; {@code rescale} null where never scaled. */
  public record DeviceProfile(String device, String description, int threads, Transfer transfer,
      Map<String, OpCost> ops, Rescale rescale) {
    public DeviceProfile {
      ops = ops == null ? new TreeMap<>() : new TreeMap<>(ops);
    }

    public DeviceProfile(String device, String description, int threads, Transfer transfer,
        Map<String, OpCost> ops) {
      this(device, description, threads, transfer, ops, null);
    }
  }

  /**
   * The plan a model's run measured best among its candidates ({@link PlanSelector}), so that the measuring is paid
   * once per (model, input signature, devices, threads).
   *
   * @param chosen the candidate kept: "mixed", or the device of a single-device plan
   * @param nodeDevices for "mixed": each node's device, in graph order (empty otherwise)
   * @param nodeMs for "mixed": each node's figure on its device as measured in its region (empty otherwise)
   * @param measuredMs each candidate's measured median when chosen, by label
   * @param predictedMs each candidate's predicted time when chosen, by label
   * @param at when (ISO-8601)
   */
  public record Choice(String chosen, java.util.List<String> nodeDevices, java.util.List<Double> nodeMs,
      Map<String, Double> measuredMs, Map<String, Double> predictedMs, String at) {
    public Choice {
      nodeDevices = nodeDevices == null ? java.util.List.of() : java.util.List.copyOf(nodeDevices);
      nodeMs = nodeMs == null ? java.util.List.of() : java.util.List.copyOf(nodeMs);
      measuredMs = measuredMs == null ? Map.of() : new LinkedHashMap<>(measuredMs);
      predictedMs = predictedMs == null ? Map.of() : new LinkedHashMap<>(predictedMs);
    }
  }

  /** The file's layout: profiles by {@link #key(String, int)}, plan choices by the planner's key. */
  public record FileFormat(int version, Map<String, DeviceProfile> profiles, Map<String, Choice> choices) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final Path file;
  private final Map<String, DeviceProfile> profiles = new LinkedHashMap<>();
  private final Map<String, Choice> choices = new LinkedHashMap<>();

  private ProfileDb(Path file) {
    this.file = file;
  }

  public static Path defaultPath() {
    String prop = System.getProperty("edgewise.profile.db");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("EDGEWISE_CACHE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env, "profile.json");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "edgewise", "profile.json");
  }

  /** The database in {@code file}; empty when the file does not exist. A malformed file is an error naming it. */
  public static ProfileDb load(Path file) {
    ProfileDb db = new ProfileDb(file);
    FileFormat f = read(file);
    db.profiles.putAll(f.profiles());
    db.choices.putAll(f.choices());
    return db;
  }

  /** A database that is never saved (tests, an injected profile). */
  public static ProfileDb inMemory() {
    return new ProfileDb(null);
  }

  private static FileFormat read(Path file) {
    try {
      FileFormat f = JSON.readValue(Files.readAllBytes(file), FileFormat.class);
      return new FileFormat(f.version(), f.profiles() == null ? Map.of() : f.profiles(),
          f.choices() == null ? Map.of() : f.choices());
    } catch (NoSuchFileException e) {
      return new FileFormat(1, Map.of(), Map.of());
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, "profile database " + file
          + " is not readable JSON: " + e.getMessage() + " (delete it to measure again)", e);
    }
  }

  /** The file, or null for an in-memory database. */
  public Path file() {
    return file;
  }

  /** The profile key of a device at a thread count ("cpu@2"). */
  public static String key(String device, int threads) {
    return device + "@" + threads;
  }

  public synchronized OpCost op(String device, int threads, String opKey) {
    DeviceProfile p = profiles.get(key(device, threads));
    return p == null ? null : p.ops().get(opKey);
  }

  public synchronized Transfer transfer(String device, int threads) {
    DeviceProfile p = profiles.get(key(device, threads));
    return p == null ? null : p.transfer();
  }

  /**
   * The factor a device's stored op figures count at ({@link Rescale#factor}; 1 where never scaled): {@link #op}
   * returns stored figures, the planner multiplies them by this.
   */
  public synchronized double scale(String device, int threads) {
    DeviceProfile p = profiles.get(key(device, threads));
    return p == null || p.rescale() == null ? 1 : p.rescale().factor();
  }

  /** The device's latest rescale, or null. */
  public synchronized Rescale rescale(String device, int threads) {
    DeviceProfile p = profiles.get(key(device, threads));
    return p == null ? null : p.rescale();
  }

  /** Adds (or replaces) op costs of a device, as stored (a caller with current figures divides by {@link #scale}). */
  public synchronized void putOps(String device, String description, int threads, Map<String, OpCost> ops) {
    DeviceProfile old = profile(device, description, threads);
    Map<String, OpCost> merged = new TreeMap<>(old.ops());
    merged.putAll(ops);
    profiles.put(key(device, threads), new DeviceProfile(device, description, threads, old.transfer(), merged,
        old.rescale()));
  }

  public synchronized void putTransfer(String device, String description, int threads, Transfer t) {
    DeviceProfile old = profile(device, description, threads);
    profiles.put(key(device, threads), new DeviceProfile(device, description, threads, t, old.ops(),
        old.rescale()));
  }

  /** Records that a device's figures now count at {@code r.factor()} times their stored values. */
  public synchronized void putRescale(String device, String description, int threads, Rescale r) {
    DeviceProfile old = profile(device, description, threads);
    profiles.put(key(device, threads), new DeviceProfile(device, description, threads, old.transfer(), old.ops(),
        r));
  }

  /** The plan choice kept under {@code key}, or null. */
  public synchronized Choice choice(String key) {
    return choices.get(key);
  }

  public synchronized void putChoice(String key, Choice c) {
    choices.put(key, c);
  }

  private DeviceProfile profile(String device, String description, int threads) {
    DeviceProfile p = profiles.get(key(device, threads));
    return p != null ? p : new DeviceProfile(device, description, threads, null, Map.of());
  }

  /** Every profile, by key (a copy). */
  public synchronized Map<String, DeviceProfile> profiles() {
    return new TreeMap<>(profiles);
  }

  /**
   * Writes the database (nothing for an in-memory one): what the file holds now, with this database's entries over
   * it, written to a temporary file and moved into place, so a concurrent reader never sees half a file.
   */
  public synchronized void save() {
    if (file == null) {
      return;
    }
    FileFormat onDisk = read(file);
    Map<String, DeviceProfile> out = new TreeMap<>(onDisk.profiles());
    Map<String, Choice> chosen = new TreeMap<>(onDisk.choices());
    chosen.putAll(choices);
    profiles.forEach((k, p) -> {
      DeviceProfile disk = out.get(k);
      if (disk == null) {
        out.put(k, p);
      } else {
        Map<String, OpCost> ops = new TreeMap<>(disk.ops());
        ops.putAll(p.ops());
        out.put(k, new DeviceProfile(p.device(), p.description(), p.threads(),
            p.transfer() != null ? p.transfer() : disk.transfer(), ops,
            p.rescale() != null ? p.rescale() : disk.rescale()));
      }
    });
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, "profile", ".tmp");
      Files.write(tmp, JSON.writeValueAsBytes(new FileFormat(1, out, chosen)));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot write the profile database "
          + file + ": " + e.getMessage(), e);
    }
  }
}
