package io.edgewise.runtime.conformance;

import io.edgewise.tensor.Tensor;

/** Compares one produced tensor with the expected one; returns null when they agree, else why not. */
final class OutputComparator {
  private OutputComparator() {}

  static String compare(String name, Tensor actual, Tensor expected, Tolerance tol) {
    if (actual.dtype() != expected.dtype()) {
      return "output '" + name + "': dtype " + actual.dtype() + ", expected " + expected.dtype();
    }
    if (!actual.shape().equals(expected.shape())) {
      return "output '" + name + "': shape " + actual.shape() + ", expected " + expected.shape();
    }
    long n = actual.size();
    long bad = 0;
    long firstBad = -1;
    double worst = 0;
    for (long i = 0; i < n; i++) {
      boolean ok;
      if (expected.dtype().isFloatingPoint()) {
        double a = actual.getDouble(i);
        double e = expected.getDouble(i);
        ok = tol.accepts(a, e);
        if (!ok && !Double.isNaN(a - e)) {
          worst = Math.max(worst, Math.abs(a - e));
        }
      } else {
        ok = actual.getLong(i) == expected.getLong(i);
      }
      if (!ok) {
        bad++;
        if (firstBad < 0) {
          firstBad = i;
        }
      }
    }
    if (bad == 0) {
      return null;
    }
    String detail = expected.dtype().isFloatingPoint()
        ? actual.getDouble(firstBad) + " vs expected " + expected.getDouble(firstBad) + ", max abs diff " + worst
            + " (rtol " + tol.rtol() + ", atol " + tol.atol() + ")"
        : actual.getLong(firstBad) + " vs expected " + expected.getLong(firstBad);
    return "output '" + name + "': " + bad + " of " + n + " elements differ; first at flat index " + firstBad + ": "
        + detail;
  }
}
