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
 * Seeded random inputs: uniform [-1, 1) for floats, [0, 10) for integers. For an input a model declares, its dynamic
 * dimensions come from --shape ({@link ShapeOptions}); one left dynamic is an error naming it (taken as 1 it made
 * kernels fail deep inside the graph). For a server's metadata a dynamic dimension is taken as 1.
 */
public final class RandomInputs {
  private RandomInputs() {}

  /** For an input a model declares, every dimension fixed by the model. */
  public static Tensor of(ValueInfo v, long seed) {
    return of(v, null, seed);
  }

  /**
   * For an input a model declares, of the shape {@code given} (--shape, checked against the declaration; null when
   * none was given): the declared shape must then be fixed.
   */
  public static Tensor of(ValueInfo v, long[] given, long seed) {
    if (!v.isSupported() || !v.hasRank()) {
      throw EdgewiseException.invalidArgument("input '" + v.name() + "' (" + v + ") has no usable declared type; "
          + "pass it with --input " + v.name() + "=FILE.pb");
    }
    if (given != null) {
      String problem = v.shapeMismatch(given);
      if (problem != null) {
        throw EdgewiseException.invalidArgument(problem);
      }
      return of(v.dtype(), given, seed);
    }
    Shape fixed = v.concreteShape();
    if (fixed == null) {
      throw EdgewiseException.invalidArgument(dynamic(v));
    }
    return of(v.dtype(), fixed.dims(), seed);
  }

  /**
   * An input with dynamic dimensions and no --shape: which dimensions, and the option to pass (with an example that
   * takes a dynamic first dimension as a batch of 1 and the others as 224).
   */
  static String dynamic(ValueInfo v) {
    StringBuilder which = new StringBuilder();
    StringBuilder example = new StringBuilder();
    int count = 0;
    for (int i = 0; i < v.dims().size(); i++) {
      ValueInfo.Dim d = v.dims().get(i);
      example.append(i == 0 ? "" : "x").append(d.isKnown() ? d.value() : i == 0 ? 1 : 224);
      if (!d.isKnown()) {
        which.append(count++ == 0 ? "" : ", ").append(i).append(d.param() == null ? " (unnamed)"
            : " ('" + d.param() + "')");
      }
    }
    return "input '" + v.name() + "' " + v.dims() + " has dynamic dimension" + (count == 1 ? " " : "s ") + which
        + ": pass its shape, e.g. --shape " + v.name() + "=" + example;
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
