package io.edgewise.backend;

/**
 * Per-layer figures a device reports beside the measured op profile, each saying what it is: {@code measuredNanos}
 * is measured (how, in {@code measuredWhat}, e.g. "emulator kernel time"), {@code modeledCycles} come from an
 * analytical model at {@code clockMhz} (0 when the device has no model).
 */
public record LayerFigures(String node, String op, String device, long calls, long flops, long measuredNanos,
    String measuredWhat, long modeledCycles, double clockMhz) {
  /** Measured milliseconds per call. */
  public double measuredMs() {
    return calls == 0 ? 0 : measuredNanos / 1e6 / calls;
  }

  /** Modeled milliseconds per call at the clock. */
  public double modeledMs() {
    return clockMhz == 0 ? 0 : modeledCycles / (clockMhz * 1e3);
  }
}
