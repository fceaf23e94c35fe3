package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.opencl.ClPlatforms;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise tune`: tunes a model's convolutions into the database, and `--show` prints what is tuned. */
class TuneCommandTest {
  @TempDir
  Path dir;

  @Test
  void tuneSavesAndShowPrintsTheParameters() {
    Assumptions.assumeFalse(ClPlatforms.devices().isEmpty(), "no OpenCL device here");
    Path db = dir.resolve("tuning.json");
    CliTest.Result empty = CliTest.run("tune", "--show", "--db", db.toString());
    assertEquals(0, empty.exit(), empty.err());
    assertTrue(empty.out().contains("0 tuned shapes for opencl:0"), empty.out());

    // budget 0: each shape measures its default only, which keeps the test short
    CliTest.Result tuned = CliTest.run("tune", TestData.model("digits_cnn_0to9").toString(), "--device", "opencl:0",
        "--budget", "0", "--runs", "2", "--db", db.toString());
    assertEquals(0, tuned.exit(), tuned.err());
    assertTrue(Files.isRegularFile(db));
    assertTrue(tuned.out().contains("tuning 2 convolution shapes") && tuned.out().contains("n1 c16x8x8 k32 3x3"),
        tuned.out());
    // progress on stderr, a plain line per shape away from a terminal
    assertTrue(tuned.err().contains("tune: shape 1/2 ") && tuned.err().contains("tune: shape 2/2 "), tuned.err());

    CliTest.Result shown = CliTest.run("tune", "--show", "--db", db.toString());
    assertTrue(shown.out().contains("2 tuned shapes for opencl:0") && shown.out().contains("GFLOP/s"), shown.out());

    CliTest.Result bad = CliTest.run("tune", "--device", "opencl:99", "--show");
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("no device opencl:99"), bad.err());
  }
}
