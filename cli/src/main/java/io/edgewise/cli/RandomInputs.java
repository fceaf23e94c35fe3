package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.model.ValueInfo;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.http.V2Datatype;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Random;

/**
 * Seeded random inputs for a declared input: uniform [-1, 1) for floats, [0, 10) for integers; a dynamic dimension
 * is taken as 1.
 */
public final class RandomInputs {
  private RandomInputs() {}

  /** For an input a model declares. */
  public static Tensor of(ValueInfo v, long seed) {
    if (!v.isSupported() || !v.hasRank()) {
      throw EdgewiseException.invalidArgument("input '" + v.name() + "' (" + v + ") has no usable declared type; "
          + "pass it with --input " + v.name() + "=FILE.pb");
    }
    long[] dims = new long[v.dims().size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = v.dims().get(i).isKnown() ? v.dims().get(i).value() : 1;
    }
    return of(v.dtype(), dims, seed);
  }

  /** For an input a server's model metadata declares (negative dimensions are dynamic). */
  public static Tensor of(EdgewiseClient.TensorMetadata t, long seed) {
    DType dtype = V2Datatype.parse(t.datatype(), "input '" + t.name() + "'");
    long[] dims = new long[t.shape().length];
    for (int i = 0; i < dims.length; i++) {
      long d = t.shape()[i];
      dims[i] = d < 0 ? 1 : d;
    }
    return of(dtype, dims, seed);
  }

  private static Tensor of(DType dtype, long[] dims, long seed) {
    Random rnd = new Random(seed);
    Tensor t = Tensor.allocate(dtype, Shape.of(dims));
    for (long i = 0; i < t.size(); i++) {
      if (dtype.isFloatingPoint()) {
        t.setDouble(i, rnd.nextDouble() * 2 - 1);
      } else {
        t.setLong(i, rnd.nextInt(10));
      }
    }
    return t;
  }
}
