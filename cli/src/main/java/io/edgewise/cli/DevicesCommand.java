package io.edgewise.cli;

import io.edgewise.backend.Device;
import io.edgewise.runtime.Devices;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "devices", description = "List the devices this machine offers.")
final class DevicesCommand implements Callable<Integer> {
  @Mixin
  JsonOption json = new JsonOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    List<Device> devices = Devices.available();
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled()) {
      out.println(Json.write(devices));
      return 0;
    }
    out.printf("%-8s %-10s %6s %10s %16s  %s%n", "NAME", "KIND", "UNITS", "MEMORY", "PEAK GFLOP/S", "DESCRIPTION");
    for (Device d : devices) {
      String peak = d.peakSource().equals("unknown") ? "unknown" : String.format("%.1f (%s)", d.peakGflops(),
          d.peakSource());
      out.printf("%-8s %-10s %6d %9dM %16s  %s%n", d.name(), d.kind(), d.computeUnits(), d.memoryBytes() >> 20, peak,
          d.description());
    }
    return 0;
  }
}
