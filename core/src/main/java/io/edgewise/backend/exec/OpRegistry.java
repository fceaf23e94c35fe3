package io.edgewise.backend.exec;

import java.util.Map;
import java.util.TreeMap;

/**
 * Op type (qualified by domain for non-default domains, e.g. "io.edgewise.FusedConv") to kernel, each kernel
 * labelled with the device it belongs to. A device builds its registry as an {@link #overlay} of the reference
 * registry: the ops it overrides are its own, every other op stays the reference kernel, and the label says which is
 * which (the session's placement reads it).
 */
public final class OpRegistry {
  /** A kernel and the device whose kernel it is ("ref" for the reference kernels). */
  public record Entry(OpKernel kernel, String device) implements OpKernel {
    @Override
    public io.edgewise.tensor.Tensor[] compute(OpContext ctx, io.edgewise.tensor.Tensor[] inputs) {
      return kernel.compute(ctx, inputs);
    }
  }

  private final Map<String, Entry> kernels = new TreeMap<>();
  /** The device that register() and override() label their kernels with. */
  private final String device;

  /** An empty registry of the reference kernels. */
  public OpRegistry() {
    this("ref");
  }

  private OpRegistry(String device) {
    this.device = device;
  }

  /** The device this registry's own kernels belong to. */
  public String device() {
    return device;
  }

  public void register(String opType, OpKernel kernel) {
    if (kernels.put(opType, new Entry(kernel, device)) != null) {
      throw new IllegalStateException("op " + opType + " registered twice");
    }
  }

  /** Registers an op of a non-default domain. */
  public void register(String domain, String opType, OpKernel kernel) {
    register(key(domain, opType), kernel);
  }

  /**
   * A copy for another device to override op by op: what it overrides or registers is labelled with that device,
   * the rest keeps its label (the reference kernels, or the kernels of the device it overlays in turn).
   */
  public OpRegistry overlay(String overlayDevice) {
    OpRegistry r = new OpRegistry(overlayDevice);
    r.kernels.putAll(kernels);
    return r;
  }

  /** Replaces the kernel of an op that is already registered. */
  public void override(String domain, String opType, OpKernel kernel) {
    if (kernels.replace(key(domain, opType), new Entry(kernel, device)) == null) {
      throw new IllegalStateException("op " + key(domain, opType) + " is not registered");
    }
  }

  /** The op's kernel (an {@link Entry}, which knows its device), or null. */
  public Entry get(String domain, String opType) {
    return kernels.get(key(domain, opType));
  }

  public Iterable<String> opTypes() {
    return kernels.keySet();
  }

  public static String key(String domain, String opType) {
    return domain == null || domain.isEmpty() ? opType : domain + "." + opType;
  }
}
