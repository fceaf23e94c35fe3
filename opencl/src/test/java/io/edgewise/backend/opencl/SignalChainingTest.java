package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCL program builds in a JVM whose other threads keep reaching safepoints: without libjsig, PoCL's LLVM signal
 * handlers deleted the compiler's temporary files (CI failed on "unable to rename temporary ...preproc.cl" in the
 * two-device check, 2026-12-07) and could kill the JVM. The tests' JVMs preload libjsig as the launcher does (the
 * parent pom); this checks that they do, and that builds then hold under safepoint pressure.
 */
class SignalChainingTest {
  @TempDir
  Path dir;

  @Test
  void readsLibjsigFromAMapsText() {
    assertTrue(SignalChaining.mapsLibjsig(
        "7f0000000000-7f0000001000 r-xp 00000000 08:01 42 /usr/lib/jvm/java-17/lib/libjsig.so\n"));
    assertFalse(SignalChaining.mapsLibjsig(
        "7f0000000000-7f0000001000 r-xp 00000000 08:01 42 /usr/lib/jvm/java-17/lib/libjava.so\n"));
  }

  @Test
  void theTestJvmPreloadsLibjsig() {
    assertEquals(Boolean.TRUE, SignalChaining.loaded(), "LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
  }

  @Test
  void programsBuildWhileOtherThreadsReachSafepoints() throws Exception {
    ClTestDevices.first();
    String pocl = System.getenv("POCL_CACHE_DIR");
    SubprocessChecks.Result r = SubprocessChecks.run(Map.of("POCL_CACHE_DIR",
        pocl != null ? pocl : dir.resolve("pocl").toString()), dir, 300, "builds", "40");
    String all = r.out() + r.err();
    assertTrue(r.out().contains("libjsig loaded: true"), all);
    assertTrue(r.out().contains("builds failed: 0 of 40"), all);
    assertEquals(0, r.exit(), all);
  }
}
