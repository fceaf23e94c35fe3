package io.edgewise.backend.reference;

import java.util.Map;
import java.util.TreeMap;

/** Op type (qualified by domain for non-default domains, e.g. "io.edgewise.FusedConv") to kernel. */
public final class OpRegistry {
  private final Map<String, OpKernel> kernels = new TreeMap<>();

  public void register(String opType, OpKernel kernel) {
    if (kernels.put(opType, kernel) != null) {
      throw new IllegalStateException("op " + opType + " registered twice");
    }
  }

  /** Registers an op of a non-default domain. */
  public void register(String domain, String opType, OpKernel kernel) {
    register(key(domain, opType), kernel);
  }

  /** A copy that another backend can override op by op (its fallback for the rest is the reference kernel). */
  public OpRegistry copy() {
    OpRegistry r = new OpRegistry();
    r.kernels.putAll(kernels);
    return r;
  }

  /** Replaces the kernel of an op that is already registered. */
  public void override(String domain, String opType, OpKernel kernel) {
    if (kernels.replace(key(domain, opType), kernel) == null) {
      throw new IllegalStateException("op " + key(domain, opType) + " is not registered");
    }
  }

  public OpKernel get(String domain, String opType) {
    return kernels.get(key(domain, opType));
  }

  public Iterable<String> opTypes() {
    return kernels.keySet();
  }

  static String key(String domain, String opType) {
    return domain == null || domain.isEmpty() ? opType : domain + "." + opType;
  }
}
