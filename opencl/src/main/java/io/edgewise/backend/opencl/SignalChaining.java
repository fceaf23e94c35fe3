package io.edgewise.backend.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the JDK's signal-chaining library (libjsig) is loaded in this process. OpenCL compilers built on LLVM
 * (PoCL among them) install signal handlers that delete the compiler's temporary files on any SIGSEGV; HotSpot
 * raises SIGSEGV on purpose (safepoint polls, implicit null checks) and, without libjsig, those handlers run first.
 * Measured here with PoCL 3.1: programs built while other threads reach safepoints fail with "unable to rename
 * temporary ...preproc.cl" (16 of 60 builds), and the JVM then died with SIGSEGV; with libjsig preloaded, 0 of 450
 * failed. The edgewise launcher and the tests preload it; an application that embeds the opencl device must start
 * its JVM with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}, and gets a warning when it did not.
 */
public final class SignalChaining {
  private static final Logger LOG = LoggerFactory.getLogger(SignalChaining.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private SignalChaining() {}

  /** True when libjsig is mapped into this process; null where that cannot be told (no /proc/self/maps). */
  public static Boolean loaded() {
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return null;
    }
    try {
      return mapsLibjsig(Files.readString(maps, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }

  /** Whether a /proc/PID/maps text maps libjsig. */
  static boolean mapsLibjsig(String maps) {
    for (String line : maps.split("\n")) {
      if (line.endsWith("/libjsig.so")) {
        return true;
      }
    }
    return false;
  }

  /** Logs one warning per process when OpenCL devices are in use and libjsig is known not to be loaded. */
  static void warnIfMissing() {
    if (Boolean.FALSE.equals(loaded()) && WARNED.compareAndSet(false, true)) {
      LOG.warn("OpenCL in a JVM without signal chaining: an LLVM-based OpenCL compiler (PoCL) may fail kernel builds "
          + "or crash the JVM when a safepoint is reached; start java with LD_PRELOAD=" + System.getProperty(
              "java.home") + "/lib/libjsig.so (the edgewise launcher does)");
    }
  }
}
