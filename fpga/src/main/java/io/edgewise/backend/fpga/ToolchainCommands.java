package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The vendor build of an image, as command lines and host settings (the vendor toolchains cannot run here, so
 * `edgewise bitstream build --target intel|xilinx` prints these and the tests check them):
 * <ul>
 *   <li>Intel FPGA SDK for OpenCL: {@code aoc -board=PART} builds an .aocx from the .cl (-march=emulator for the
 *       emulator), with the tile sizes as -D macros; the host loads it with clCreateProgramWithBinary.
 *   <li>Xilinx Vitis: {@code v++ -c -t hw --platform PART -k KERNEL} compiles each kernel to an .xo, {@code v++ -l}
 *       links them into an .xclbin at the manifest's clock (-t sw_emu for software emulation); XRT loads it with
 *       clCreateProgramWithBinary. XCL_EMULATION_MODE must be unset on hardware and sw_emu in emulation.
 * </ul>
 *
 * @param commands the shell commands in order, each as an argument list
 * @param environment host settings the runtime needs when it loads the image
 */
public record ToolchainCommands(List<List<String>> commands, Map<String, String> environment) {

  /** The hardware build of {@code image} for its vendor; {@code out} is the build directory. */
  public static ToolchainCommands hardware(BitstreamManifest image, Path repoRoot, Path out) {
    return switch (image.vendor()) {
      case "intel" -> intel(image, repoRoot, out);
      case "xilinx" -> xilinx(image, repoRoot, out);
      default -> throw EdgewiseException.invalidArgument("no toolchain for vendor '" + image.vendor() + "'");
    };
  }

  static ToolchainCommands intel(BitstreamManifest image, Path repoRoot, Path out) {
    List<String> aoc = new ArrayList<>(List.of("aoc", "-board=" + image.part()));
    aoc.addAll(macros(image));
    aoc.add("-clock=" + mhz(image.clockMhz()) + "MHz");
    aoc.add("-report");
    aoc.add(repoRoot.resolve(image.kernelSource()).toString());
    aoc.add("-o");
    aoc.add(out.resolve(image.binary().file()).toString());
    List<String> sum = List.of("sha256sum", out.resolve(image.binary().file()).toString());
    Map<String, String> env = new TreeMap<>();
    // the runtime must find the board's MMD library; the emulator variable must be absent on hardware
    env.put("CL_CONTEXT_EMULATOR_DEVICE_INTELFPGA", "");
    env.put("EDGEWISE_FPGA_IMAGE", out.resolve("manifest.json").toString());
    return new ToolchainCommands(List.of(aoc, sum), env);
  }

  static ToolchainCommands xilinx(BitstreamManifest image, Path repoRoot, Path out) {
    List<List<String>> cmds = new ArrayList<>();
    List<String> objects = new ArrayList<>();
    for (String kernel : image.kernelNames()) {
      String xo = out.resolve(kernel + ".xo").toString();
      List<String> compile = new ArrayList<>(List.of("v++", "-c", "-t", "hw", "--platform", image.part(), "-k",
          kernel));
      compile.addAll(macros(image));
      compile.addAll(List.of("-o", xo, repoRoot.resolve(image.kernelSource()).toString()));
      cmds.add(compile);
      objects.add(xo);
    }
    List<String> link = new ArrayList<>(List.of("v++", "-l", "-t", "hw", "--platform", image.part(),
        "--kernel_frequency", mhz(image.clockMhz()), "-o", out.resolve(image.binary().file()).toString()));
    link.addAll(objects);
    cmds.add(link);
    cmds.add(List.of("sha256sum", out.resolve(image.binary().file()).toString()));
    Map<String, String> env = new TreeMap<>();
    env.put("XCL_EMULATION_MODE", "");  // unset: hardware
    env.put("EDGEWISE_FPGA_IMAGE", out.resolve("manifest.json").toString());
    return new ToolchainCommands(cmds, env);
  }

  private static List<String> macros(BitstreamManifest image) {
    return List.of(image.tiles().macros().split(" "));
  }

  private static String mhz(double clock) {
    return clock == Math.rint(clock) ? Long.toString((long) clock) : Double.toString(clock);
  }

  /** The commands as shell lines (arguments with spaces quoted). */
  public List<String> shellLines() {
    return commands.stream().map(c -> String.join(" ", c.stream().map(ToolchainCommands::quote).toList())).toList();
  }

  private static String quote(String arg) {
    return arg.matches("[A-Za-z0-9_./=:+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
  }
}
