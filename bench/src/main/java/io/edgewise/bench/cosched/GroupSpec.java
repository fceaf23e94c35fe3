package io.edgewise.bench.cosched;

import io.edgewise.EdgewiseException;

/**
 * One device group of the bench: {@code DEVICE[/THREADS]}, e.g. {@code cpu/1} (a 1-thread cpu group), {@code ort/1},
 * {@code opencl:0}; threads 0 is the device's default.
 */
record GroupSpec(String device, int threads) {
  static GroupSpec parse(String spec) {
    String[] parts = spec.split("/", 2);
    int threads = 0;
    if (parts.length == 2) {
      try {
        threads = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        threads = -1;
      }
      if (threads < 0) {
        throw EdgewiseException.invalidArgument("group " + spec + ": expected DEVICE[/THREADS], threads 0 or more");
      }
    }
    if (parts[0].isEmpty()) {
      throw EdgewiseException.invalidArgument("group '" + spec + "': no device");
    }
    return new GroupSpec(parts[0], threads);
  }

  /** Groups of the same kind are interchangeable. */
  String kind() {
    return threads == 0 ? device : device + "/" + threads;
  }
}
