package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk cache of program binaries, keyed by (device, platform, driver version, source hash, build options):
 * a program is compiled from source once per machine, and every later start loads its binary. A binary the
 * driver rejects (a corrupt file, a changed driver that kept its version string) is deleted and rebuilt.
 *
 * <p>The directory is the system property {@code edgewise.opencl.cache}, else {@code $EDGEWISE_CACHE_DIR/opencl},
 * else {@code ~/.cache/edgewise/opencl}.
 */
public final class ClProgramCache {
  private static final Logger LOG = LoggerFactory.getLogger(ClProgramCache.class);
  private static final AtomicInteger COMPILES = new AtomicInteger();
  private static final AtomicInteger BINARY_LOADS = new AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicLong BUILD_NANOS = new java.util.concurrent.atomic.AtomicLong();

  private final Path dir;

  public ClProgramCache(Path dir) {
    this.dir = dir;
  }

  /** The cache in the configured default directory. */
  public static ClProgramCache defaultCache() {
    return new ClProgramCache(defaultDirectory());
  }

  public static Path defaultDirectory() {
    String prop = System.getProperty("edgewise.opencl.cache");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("EDGEWISE_CACHE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env, "opencl");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "edgewise", "opencl");
  }

  public Path directory() {
    return dir;
  }

  /** Programs compiled from source in this process (by any cache). */
  public static int compiles() {
    return COMPILES.get();
  }

  /** Programs loaded from a cached binary in this process. */
  public static int binaryLoads() {
    return BINARY_LOADS.get();
  }

  /** Wall time this process spent building programs (from source or binary), in nanoseconds. */
  public static long buildNanos() {
    return BUILD_NANOS.get();
  }

  /** One line for a user: what the process compiled and loaded (a second start should compile nothing). */
  public static String summary() {
    return String.format("OpenCL programs in this process: %d compiled from source, %d loaded from the binary cache"
        + " (%.0f ms building, measured)", compiles(), binaryLoads(), buildNanos() / 1e6);
  }

  /** The cache key: a SHA-256 over the compiler identity, the source and the build options. */
  public static String key(ClDevice device, String source, String options) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(device.compilerIdentity().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(sourceDigest(source));
      md.update((byte) 0);
      md.update(options.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "SHA-256 unavailable", e);
    }
  }

  private static byte[] sourceDigest(String source) throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
  }

  /** The file a program's binary is kept in. */
  public Path fileFor(ClDevice device, String source, String options) {
    return dir.resolve(key(device, source, options) + ".bin");
  }

  /** Loads the program's binary if cached (and valid), else compiles it and stores the binary. */
  public ClProgram load(ClContext ctx, String source, String options) {
    long start = System.nanoTime();
    try {
      return loadOrBuild(ctx, source, options);
    } finally {
      BUILD_NANOS.addAndGet(System.nanoTime() - start);
    }
  }

  private ClProgram loadOrBuild(ClContext ctx, String source, String options) {
    Path file = fileFor(ctx.device(), source, options);
    if (Files.isRegularFile(file)) {
      try {
        ClProgram p = ClProgram.fromBinary(ctx, Files.readAllBytes(file), options);
        BINARY_LOADS.incrementAndGet();
        return p;
      } catch (IOException | EdgewiseException e) {
        LOG.warn("cached OpenCL binary {} is unusable ({}); rebuilding it from source", file, e.getMessage());
        deleteQuietly(file);
      }
    }
    ClProgram p = ClProgram.fromSource(ctx, source, options);
    COMPILES.incrementAndGet();
    store(file, p);
    return p;
  }

  private void store(Path file, ClProgram p) {
    try {
      Files.createDirectories(dir);
      // write then rename: a concurrent reader never sees half a binary
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      Files.write(tmp, p.binary());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // a read-only cache costs compile time, never correctness
      LOG.warn("cannot store the OpenCL binary in {}: {}", dir, e.toString());
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("cannot delete {}", file, e);
    }
  }
}
