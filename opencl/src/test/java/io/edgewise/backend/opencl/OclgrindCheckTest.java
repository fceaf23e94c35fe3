package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kernel on small shapes under the Oclgrind simulator, registered as the only OpenCL platform through
 * OCL_ICD_VENDORS (nothing under /etc changes), with its out-of-bounds and data-race checks on: the results must
 * match and Oclgrind must report nothing. Skips where Oclgrind is not installed (scripts/install-deps.sh installs
 * it).
 */
class OclgrindCheckTest {
  private static final Path ICD = Path.of("/usr/lib/oclgrind/liboclgrind-rt-icd.so");

  @TempDir
  Path dir;

  @Test
  void kernelsHaveNoOutOfBoundsAccessesOrDataRaces() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(ICD), "Oclgrind is not installed (" + ICD + " missing): "
        + "apt-get install oclgrind");
    Path vendors = Files.createDirectories(dir.resolve("vendors"));
    Files.writeString(vendors.resolve("oclgrind.icd"), ICD + "\n");
    SubprocessChecks.Result r = SubprocessChecks.run(Map.of("OCL_ICD_VENDORS", vendors.toString(),
        "OCLGRIND_DATA_RACES", "1", "OCLGRIND_CHECK_API", "1"), dir, 300, "kernels");
    String all = r.out() + r.err();
    assertTrue(r.out().contains("Oclgrind"), "ran on the simulator:\n" + all);
    for (String problem : new String[] {"Invalid read", "Invalid write", "data race", "Uninitialized",
        "Oclgrind - ", "error"}) {
      assertFalse(r.err().contains(problem), "Oclgrind reported '" + problem + "':\n" + all);
    }
    assertEquals(0, r.exit(), all);
    assertTrue(r.out().contains("ALL OK"), all);
  }
}
