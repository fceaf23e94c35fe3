package io.edgewise.cli;

import io.edgewise.backend.LayerFigures;
import io.edgewise.runtime.Session;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `edgewise bench --devices fpga`: per layer and per model, the modeled FPGA time (analytical model, cycles at the
 * image's clock) beside the measured time (kernel time on the device or its emulator, mean per call).
 */
final class FpgaFigures {
  private FpgaFigures() {}

  /** One layer of one model on one device: both figures per call. */
  record Row(String model, String device, String node, String op, long calls, long flops, double modeledMs,
      long modeledCycles, double clockMhz, double measuredMs, String measured) {}

  static List<Row> rows(String model, Session s) {
    List<Row> out = new ArrayList<>();
    for (LayerFigures f : s.layerFigures()) {
      out.add(new Row(model, f.device(), f.node(), f.op(), f.calls(), f.flops(), f.modeledMs(), f.modeledCycles(),
          f.clockMhz(), f.measuredMs(), f.measuredWhat()));
    }
    return out;
  }

  static void print(PrintWriter out, List<Row> rows, boolean perLayer) {
    if (rows.isEmpty()) {
      return;
    }
    out.println();
    out.println("FPGA layers: modeled = analytical model, cycles at the image clock; measured = " + rows.get(0)
        .measured() + ", mean per call over warm-up and timed runs:");
    Map<String, double[]> totals = new LinkedHashMap<>();
    for (Row r : rows) {
      if (perLayer) {
        out.printf("  %-18s %-7s %-40s %-9s modeled %9.3f ms (%,d cycles at %.0f MHz, %6.1f GFLOP/s)  measured %9.3f"
            + " ms%n", r.model(), r.device(), r.node(), r.op(), r.modeledMs(), r.modeledCycles(), r.clockMhz(),
            r.flops() / (r.modeledMs() * 1e6), r.measuredMs());
      }
      double[] t = totals.computeIfAbsent(r.model() + " " + r.device(), k -> new double[4]);
      t[0] += r.modeledMs();
      t[1] += r.measuredMs();
      t[2] += r.flops();
      t[3]++;
    }
    totals.forEach((k, t) -> out.printf("  %-26s %3d FPGA layers: modeled %9.3f ms (%6.1f GFLOP/s)  measured %9.3f ms"
        + " (%6.2f GFLOP/s)%n", k, (int) t[3], t[0], t[2] / (t[0] * 1e6), t[1], t[2] / (t[1] * 1e6)));
  }
}
