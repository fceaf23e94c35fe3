package io.edgewise.backend.fpga;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads image manifests and board files with Jackson and validates every field, so that a bad file fails here with
 * its path and field named, never later inside the device. Unknown fields are refused (a misspelt "tm" must not
 * silently become the default).
 */
public final class BitstreamManifests {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> VENDORS = Set.of("xilinx", "intel");
  private static final Set<String> PRECISIONS = Set.of("fp32");
  private static final Set<String> OPS = Set.of("Conv", "FusedConv", "Gemm");

  private BitstreamManifests() {}

  public static BitstreamManifest read(Path file) {
    BitstreamManifest m = parse(file, BitstreamManifest.class);
    validate(m, file.toString());
    return m;
  }

  public static Board readBoard(Path file) {
    Board b = parse(file, Board.class);
    String where = file.toString();
    require(b.name() != null && !b.name().isBlank(), where, "name", "is missing");
    require(b.vendor() != null && VENDORS.contains(b.vendor()), where, "vendor", "must be one of " + VENDORS);
    require(b.dsp() > 0 && b.bram36() > 0 && b.lut() > 0, where, "dsp/bram36/lut", "must be positive");
    require(b.clockMhz() > 0, where, "clockMhz", "must be positive");
    require(b.offchipBandwidthGBps() > 0, where, "offchipBandwidthGBps", "must be positive");
    require(b.dspPerMacFp32() >= 0 && b.lutPerMacFp32() >= 0 && b.lutOverhead() >= 0, where,
        "dspPerMacFp32/lutPerMacFp32/lutOverhead", "must not be negative");
    return b;
  }

  /** The manifest as JSON (the build directory keeps a copy of what it built from). */
  public static String toJson(Object value) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.INTERNAL, "cannot write JSON: " + e.getMessage(), e);
    }
  }

  static <T> T parse(Path file, Class<T> type) {
    try {
      return JSON.readValue(Files.readAllBytes(file), type);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, file + ": no such file");
    } catch (JsonMappingException e) {
      // the path of the failing field, e.g. tiles.tm, and Jackson's reason without its source dump
      String field = e.getPath().stream()
          .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
          .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("(document)");
      String reason = e.getOriginalMessage().replaceFirst(" \\(index \\d+\\).*", "")
          .replaceFirst(" \\(class [^)]*\\)", "").replaceFirst("; `DeserializationFeature.*", "");
      if (e.getCause() instanceof EdgewiseException inner) {
        reason = inner.getMessage().replaceFirst("^\\[\\w+\\] ", "");
      }
      throw EdgewiseException.invalidArgument(file + ": field '" + field + "': " + reason);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      var at = e.getLocation();
      throw EdgewiseException.invalidArgument(file + ": field '(document)': not valid JSON at line "
          + (at == null ? "?" : at.getLineNr()) + ", column " + (at == null ? "?" : at.getColumnNr()) + ": "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, file + ": " + e.getMessage(), e);
    }
  }

  static void validate(BitstreamManifest m, String where) {
    require(m.name() != null && C_IDENTIFIER.matcher(m.name().replace('-', '_')).matches(), where, "name",
        "must be a plain identifier (letters, digits, '-', '_')");
    require(m.board() != null && !m.board().isBlank(), where, "board", "is missing");
    require(m.vendor() != null && VENDORS.contains(m.vendor()), where, "vendor", "must be one of " + VENDORS);
    require(m.toolchain() != null && m.toolchain().name() != null && m.toolchain().version() != null, where,
        "toolchain", "needs name and version");
    require(m.kernelSource() != null && m.kernelSource().endsWith(".cl"), where, "kernelSource",
        "must name an OpenCL C file (.cl)");
    require(m.kernels() != null && !m.kernels().isEmpty(), where, "kernels", "must list at least one kernel");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < m.kernels().size(); i++) {
      BitstreamManifest.KernelSpec k = m.kernels().get(i);
      require(k != null && k.name() != null && C_IDENTIFIER.matcher(k.name()).matches(), where,
          "kernels[" + i + "].name", "must be a C identifier");
      require(seen.add(k.name()), where, "kernels[" + i + "].name", "'" + k.name() + "' is listed twice");
      require(k.signature() != null && k.signature().startsWith("(") && k.signature().endsWith(")"), where,
          "kernels[" + i + "].signature", "must be a parenthesised parameter list");
    }
    require(m.ops() != null && !m.ops().isEmpty() && OPS.containsAll(m.ops()), where, "ops",
        "must list ops among " + OPS);
    require(m.tiles() != null, where, "tiles", "is missing");
    require(m.weightBufferBlocks() > 0, where, "weightBufferBlocks", "must be positive");
    require(m.precision() != null && PRECISIONS.contains(m.precision()), where, "precision",
        "must be one of " + PRECISIONS + " (the kernel computes in float)");
    require(m.clockMhz() > 0 && m.clockMhz() < 2000, where, "clockMhz", "must be in (0, 2000)");
    require(m.resources() != null && m.resources().dsp() >= 0 && m.resources().bram36() >= 0
        && m.resources().lut() >= 0, where, "resources", "needs non-negative dsp, bram36, lut");
    require(m.offchipBandwidthGBps() > 0, where, "offchipBandwidthGBps", "must be positive");
    require(m.binary() != null && m.binary().file() != null && !m.binary().file().isBlank()
        && !m.binary().file().contains("/") && !m.binary().file().contains(".."), where, "binary.file",
        "must be a plain file name");
    require(m.binary().sha256() == null || SHA256.matcher(m.binary().sha256()).matches(), where, "binary.sha256",
        "must be 64 lower-case hex digits or null");
  }

  private static void require(boolean ok, String where, String field, String what) {
    if (!ok) {
      throw EdgewiseException.invalidArgument(where + ": field '" + field + "' " + what);
    }
  }

  /** The ops an image may declare. */
  public static List<String> supportedOps() {
    return List.copyOf(OPS);
  }
}
