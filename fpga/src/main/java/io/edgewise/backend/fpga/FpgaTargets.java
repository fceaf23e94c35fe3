package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.backend.opencl.ClDevice;
import io.edgewise.backend.opencl.ClPlatforms;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The devices `fpga:i` names: OpenCL devices of type ACCELERATOR (an FPGA board under XRT or the Intel FPGA
 * runtime), and, when emulation is enabled, an emulation device presented as an FPGA: PoCL's CPU device (the
 * counterpart of aoc -march=emulator and v++ -t sw_emu) or Oclgrind (which reports itself as an ACCELERATOR; slow,
 * for small shapes). Emulation is enabled by the system property {@code edgewise.fpga.emulation} or the environment
 * variable {@code EDGEWISE_FPGA_EMULATION}: "pocl" (or "1"/"true"), "oclgrind", or "off" (the default).
 * The emulated board is {@code edgewise.fpga.emulation.board} / {@code EDGEWISE_FPGA_EMULATION_BOARD} (default
 * zcu102), the way emconfigutil --platform names the board Vitis emulates.
 */
public final class FpgaTargets {
  public static final String DEFAULT_EMULATED_BOARD = "zcu102";

  private FpgaTargets() {}

  /** One fpga device: the OpenCL device, whether it is emulated, and the board it is (or emulates). */
  public record Target(int index, ClDevice device, boolean emulated, String board) {
    public String describe() {
      return (emulated ? "emulated " + board + " on " : board + ": ") + device.platformName() + " " + device.name();
    }
  }

  /** The emulation setting: "pocl", "oclgrind" or "off". */
  public static String emulation() {
    String v = setting("edgewise.fpga.emulation", "EDGEWISE_FPGA_EMULATION", "off").toLowerCase(Locale.ROOT);
    return switch (v) {
      case "1", "true", "pocl", "on" -> "pocl";
      case "oclgrind" -> "oclgrind";
      case "", "0", "false", "off" -> "off";
      default -> throw EdgewiseException.invalidArgument("edgewise.fpga.emulation is '" + v
          + "'; use pocl, oclgrind or off");
    };
  }

  public static String emulatedBoard() {
    return setting("edgewise.fpga.emulation.board", "EDGEWISE_FPGA_EMULATION_BOARD", DEFAULT_EMULATED_BOARD);
  }

  /** Every fpga device here, in `fpga:i` order: real accelerators first, then the emulation device. */
  public static List<Target> all() {
    String emulation = emulation();
    List<Target> out = new ArrayList<>();
    for (ClDevice d : ClPlatforms.devices()) {
      if (d.type().equals("ACCELERATOR") && !isOclgrind(d)) {
        out.add(new Target(out.size(), d, false, d.name()));
      }
    }
    ClDevice emu = emulation.equals("off") ? null : emulationDevice(emulation);
    if (emu != null) {
      out.add(new Target(out.size(), emu, true, emulatedBoard()));
    }
    return out;
  }

  /** The device fpga:index, or NOT_FOUND saying how to get one. */
  public static Target get(int index) {
    List<Target> all = all();
    if (index >= 0 && index < all.size()) {
      return all.get(index);
    }
    String why = all.isEmpty()
        ? "no FPGA accelerator is present and emulation is off (set -Dedgewise.fpga.emulation=pocl or "
            + "EDGEWISE_FPGA_EMULATION=pocl to emulate one on PoCL's CPU device)"
        : "devices are fpga:0 to fpga:" + (all.size() - 1);
    throw new EdgewiseException(ErrorCode.NOT_FOUND, "no device fpga:" + index + "; " + why);
  }

  /** The OpenCL device emulation runs on, or NOT_FOUND naming what is missing. */
  public static ClDevice emulationDevice(String which) {
    for (ClDevice d : ClPlatforms.devices()) {
      if (which.equals("oclgrind") ? isOclgrind(d) : isPocl(d) && d.type().equals("CPU")) {
        return d;
      }
    }
    String reason = ClPlatforms.unavailableReason();
    throw new EdgewiseException(ErrorCode.NOT_FOUND, "FPGA emulation '" + which + "' needs the "
        + (which.equals("oclgrind") ? "Oclgrind" : "PoCL") + " OpenCL platform, which is not installed here"
        + (reason == null ? "" : " (" + reason + ")"));
  }

  static boolean isOclgrind(ClDevice d) {
    return d.platformName().toLowerCase(Locale.ROOT).contains("oclgrind");
  }

  static boolean isPocl(ClDevice d) {
    return d.platformName().contains("Portable Computing Language") || d.platformName().toLowerCase(Locale.ROOT)
        .contains("pocl");
  }

  private static String setting(String property, String env, String fallback) {
    String v = System.getProperty(property);
    if (v == null) {
      v = System.getenv(env);
    }
    return v == null ? fallback : v.trim();
  }
}
