package io.edgewise.runtime;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceProvider;
import io.edgewise.backend.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Resolves the device names of ARCHITECTURE.md to backends, and lists what this machine has. The device families are
 * the {@link DeviceProvider}s on the classpath: edgewise-core brings ref and cpu, the opencl, fpga and ort modules
 * their own.
 */
public final class Devices {
  private Devices() {}

  /** Every device family on the classpath, in listing order. Loaded once: the classpath does not change. */
  private static final List<DeviceProvider> PROVIDERS = load();

  private static List<DeviceProvider> load() {
    List<DeviceProvider> out = new ArrayList<>();
    ServiceLoader.load(DeviceProvider.class, Devices.class.getClassLoader()).forEach(out::add);
    out.sort(Comparator.comparingInt(DeviceProvider::order).thenComparing(DeviceProvider::family));
    return List.copyOf(out);
  }

  /** The device families a user may name here, in the order `edgewise devices` lists them. */
  public static List<String> names() {
    return PROVIDERS.stream().map(DeviceProvider::family).toList();
  }

  /** A new backend for the named device; the caller closes it. */
  public static Backend open(String name) {
    if (name.equals("auto")) {
      // one backend: the cpu. A Session on auto places each node by the planner instead (runtime.plan)
      return new CpuBackend();
    }
    for (DeviceProvider p : PROVIDERS) {
      if (p.accepts(name)) {
        return p.open(name);
      }
    }
    throw EdgewiseException.invalidArgument("unknown device '" + name + "'; available here: auto, "
        + String.join(", ", PROVIDERS.stream().map(p -> p.family() + (multiDevice(p) ? "[:i]" : "")).toList()));
  }

  private static boolean multiDevice(DeviceProvider p) {
    return p.family().equals("opencl") || p.family().equals("fpga");
  }

  /**
   * The devices `auto` plans over: every device found here except ref (the oracle: plain Java, never the fast
   * choice) and ort (the peer runtime the benchmarks compare with, and the fallback for ops no device of ours runs).
   */
  public static List<String> plannable() {
    List<String> out = new ArrayList<>();
    for (DeviceProvider p : PROVIDERS) {
      if (p.family().equals("ref") || p.family().equals("ort")) {
        continue;
      }
      try {
        p.discover().forEach(d -> out.add(d.name()));
      } catch (EdgewiseException e) {
        // not here
      }
    }
    return out;
  }

  /** Every device that can be opened here, with its properties. */
  public static List<Device> available() {
    List<Device> out = new ArrayList<>();
    for (DeviceProvider p : PROVIDERS) {
      try {
        out.addAll(p.discover());
      } catch (EdgewiseException e) {
        // a device that cannot start here (no driver, no library) is simply not listed
      }
    }
    return out;
  }
}
