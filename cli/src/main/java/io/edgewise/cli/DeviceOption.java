package io.edgewise.cli;

import picocli.CommandLine.Option;

/**
 * {@code --device NAME}: the one device a command runs on, {@code auto} unless the command says otherwise. Every
 * help text names the devices through {@link #NAMES}, so they read the same everywhere.
 */
public final class DeviceOption {
  /** The device names a user can give (ARCHITECTURE.md); {@code auto} picks the fastest here (cpu today). */
  public static final String NAMES = "ref, cpu, opencl[:i], fpga[:i], ort, auto";

  @Option(names = "--device", paramLabel = "NAME",
      description = "Device to run on: " + NAMES + " (default: ${DEFAULT-VALUE}).")
  String name;

  public DeviceOption() {
    this("auto");
  }

  /** For a command whose experiment needs another default (split-bench's weak device is ref). */
  public DeviceOption(String defaultName) {
    this.name = defaultName;
  }

  public String name() {
    return name;
  }
}
