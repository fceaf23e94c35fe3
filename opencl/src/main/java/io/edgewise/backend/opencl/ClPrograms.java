package io.edgewise.backend.opencl;

import java.util.Map;
import java.util.TreeMap;

/**
 * The kernels/ programs of one context, built with compile-time macros: each (file, macros) is built once per
 * context and, through the binary cache, once per machine.
 */
public final class ClPrograms {
  private final ClContext context;
  private final ClProgramCache cache;

  public ClPrograms(ClContext context, ClProgramCache cache) {
    this.context = context;
    this.cache = cache;
  }

  public ClContext context() {
    return context;
  }

  public ClProgramCache cache() {
    return cache;
  }

  /** The named kernel of kernels/{@code file} (prefixed by kernels/common.cl) built with these macros. */
  public ClKernel kernel(String file, String kernel, Map<String, ?> macros) {
    return context.program(source(file), options(macros), cache).kernel(kernel);
  }

  /** The full source of a program: kernels/common.cl, then the file. */
  public static String source(String file) {
    return ClSources.get("common.cl") + "\n" + ClSources.get(file);
  }

  /** Build options defining the macros, in a stable order (they are part of the cache key). */
  public static String options(Map<String, ?> macros) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(macros).forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append("-D").append(k).append('=')
        .append(v));
    return b.toString();
  }
}
