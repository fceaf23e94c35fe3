package io.edgewise.bench.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.cli.CliTest;
import io.edgewise.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A minimal split-bench run (the tiny digits CNN, a few requests): every policy reported, the plot written. */
class SplitBenchCommandTest {
  @Test
  void smallRunReportsEveryPolicyAndWritesThePlot(@TempDir Path dir) throws IOException {
    Path plot = dir.resolve("cuts.png");
    CliTest.Result r = CliTest.run("split-bench", TestData.model("digits_cnn_0to9").toString(), "--steps", "8",
        "--phase-steps", "2", "--max-cuts", "4", "--calibration-runs", "1", "--plot", plot.toString());
    assertEquals(0, r.exit(), r.err() + r.out());
    for (String policy : new String[] {"oracle (calibrated)", "all-local", "all-remote", "neurosurgeon",
        "muLinUCB ", "muLinUCB gamma=0.9"}) {
      assertTrue(r.out().contains("  " + policy), policy + " missing:\n" + r.out());
    }
    assertTrue(r.out().contains("measured") && r.out().contains("modeled"), r.out());
    // the digits CNN runs locally in well under a millisecond; any offload pays >= 2 ms of emulated latency,
    // so the oracle picks all-local in every phase and the all-local baseline is always on the oracle's arm
    Matcher m = Pattern.compile("all-local\\s+\\S+\\s+\\S+\\s+\\S+\\s+(\\d+)%").matcher(r.out());
    assertTrue(m.find(), r.out());
    assertEquals("100", m.group(1), r.out());
    byte[] head = Arrays.copyOf(Files.readAllBytes(plot), 4);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head);
  }

  @Test
  void nonsenseOptionsAreUsageErrors() {
    CliTest.Result r = CliTest.run("split-bench", TestData.model("digits_cnn_0to9").toString(), "--max-cuts", "1");
    assertEquals(Main.EXIT_USAGE, r.exit(), r.err());
  }
}
