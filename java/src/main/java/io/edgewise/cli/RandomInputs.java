package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Random;

/** Seeded random inputs for a declared input: uniform [-1, 1) for floats, [0, 10) for integers. */
final class RandomInputs {
  private RandomInputs() {}

  static Tensor of(ValueInfo v, long seed) {
    if (!v.isSupported() || !v.hasRank()) {
      throw EdgewiseException.invalidArgument("input '" + v.name() + "' (" + v + ") has no usable declared type; "
          + "pass it with --input " + v.name() + "=FILE.pb");
    }
    long[] dims = new long[v.dims().size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = v.dims().get(i).isKnown() ? v.dims().get(i).value() : 1;
    }
    Random rnd = new Random(seed);
    Tensor t = Tensor.allocate(v.dtype(), Shape.of(dims));
    for (long i = 0; i < t.size(); i++) {
      if (v.dtype().isFloatingPoint()) {
        t.setDouble(i, rnd.nextDouble() * 2 - 1);
      } else {
        t.setLong(i, rnd.nextInt(10));
      }
    }
    return t;
  }
}
