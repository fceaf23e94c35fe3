package io.edgewise.backend;

import java.util.List;

/**
 * One family of devices (ref, cpu, opencl[:i], fpga[:i], ort), found through {@link java.util.ServiceLoader}: a
 * module that brings a device registers its provider in META-INF/services, so putting the module on the classpath adds
 * the device and leaving it out removes it, with no code naming the module.
 */
public interface DeviceProvider {
  /** The family's name as a user writes it ("opencl"); a name of the family is this or "family:i". */
  String family();

  /** Whether this family takes the device name (the family itself, or family:i where it has several devices). */
  default boolean accepts(String name) {
    return name.equals(family()) || name.startsWith(family() + ":");
  }

  /** A new backend for the named device; the caller closes it. Throws EdgewiseException where it cannot start. */
  Backend open(String name);

  /**
   * The devices of this family this machine has, with their properties; empty where none can start (no driver, no
   * library). Listing must not leave anything open.
   */
  List<Device> discover();

  /** The order `edgewise devices` lists the families in (lower first). */
  default int order() {
    return 100;
  }
}
