package io.edgewise.zoo;

import java.util.Locale;

/** A device and intra-op thread count a variant is profiled on; its key is "device/threads" ("cpu/2"). */
public record Target(String device, int threads) {
  public String key() {
    return device + "/" + threads;
  }

  /** fpga figures come from the analytical model, not from a run. */
  public boolean modeled() {
    return device.toLowerCase(Locale.ROOT).startsWith("fpga");
  }

  /** Parses "cpu/2" (threads default to 1: "cpu"); null when malformed. */
  public static Target parse(String s) {
    String[] p = s.trim().split("/");
    if (p.length == 0 || p.length > 2 || p[0].isBlank()) {
      return null;
    }
    int threads = 1;
    if (p.length == 2) {
      try {
        threads = Integer.parseInt(p[1]);
      } catch (NumberFormatException e) {
        return null;
      }
      if (threads < 1 || threads > 256) {
        return null;
      }
    }
    return new Target(p[0], threads);
  }
}
