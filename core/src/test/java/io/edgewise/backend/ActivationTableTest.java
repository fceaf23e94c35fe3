package io.edgewise.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link Activation} is the Java side's one table of activation codes; C keeps its own constants (EW_ACT_* in
 * edgewise.h for the native core, ACT_* in kernels/common.cl for the OpenCL kernels). This fails when either
 * disagrees with the enum, in a name or a code. The tests run from the repository root.
 */
class ActivationTableTest {
  private static final Path HEADER = Path.of("native/include/edgewise/edgewise.h");
  private static final Path OPENCL = Path.of("kernels/common.cl");
  /** An enumerator of enum ew_activation: "  EW_ACT_RELU = 1,". */
  private static final Pattern ENUMERATOR =
      Pattern.compile("^\\s*EW_ACT_(\\w+)\\s*=\\s*(\\d+)\\s*,", Pattern.MULTILINE);
  /** "#define ACT_RELU 1". */
  private static final Pattern DEFINE =
      Pattern.compile("^#define\\s+ACT_(\\w+)\\s+(\\d+)\\s*$", Pattern.MULTILINE);

  @Test
  void nativeHeaderHasTheEnumsCodes() throws IOException {
    assertEquals(javaTable(), parse(HEADER, ENUMERATOR),
        HEADER + " (EW_ACT_*) and io.edgewise.backend.Activation disagree");
  }

  @Test
  void openClKernelsHaveTheEnumsCodes() throws IOException {
    assertEquals(javaTable(), parse(OPENCL, DEFINE),
        OPENCL + " (ACT_*) and io.edgewise.backend.Activation disagree");
  }

  @Test
  void codesAreDistinctAndLabelsFindTheirActivation() {
    assertEquals(Activation.values().length, javaTable().values().stream().distinct().count());
    for (Activation a : Activation.values()) {
      assertSame(a, Activation.named(a.label()));
      assertSame(a.fusable() ? a : null, Activation.ofFusedConv(a.label()));
    }
    assertNull(Activation.named("Softplus"));
    assertSame(Activation.NONE, Activation.ofFusedConv(""));
    assertNull(Activation.ofFusedConv("HardSigmoid"));
  }

  private static Map<String, Integer> javaTable() {
    Map<String, Integer> m = new TreeMap<>();
    for (Activation a : Activation.values()) {
      m.put(a.name(), a.code());
    }
    return m;
  }

  private static Map<String, Integer> parse(Path file, Pattern line) throws IOException {
    Map<String, Integer> m = new TreeMap<>();
    Matcher d = line.matcher(Files.readString(file));
    while (d.find()) {
      Integer previous = m.put(d.group(1), Integer.parseInt(d.group(2)));
      assertNull(previous, file + " defines " + d.group(1) + " twice");
    }
    return m;
  }
}
