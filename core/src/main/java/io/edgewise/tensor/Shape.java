package io.edgewise.tensor;

import io.edgewise.EdgewiseException;
import java.util.Arrays;

/** An immutable, fully known tensor shape (row-major). Symbolic dimensions live in the model's type info. */
public final class Shape {
  /** More elements than this in one tensor is refused: a guard against corrupt or hostile shapes. */
  public static final long MAX_ELEMENTS = 1L << 34;

  private static final Shape SCALAR = new Shape(new long[0]);
  private final long[] dims;
  private final long numElements;

  private Shape(long[] dims) {
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw EdgewiseException.invalidArgument("negative dimension " + dims[i] + " at axis " + i + " of shape "
            + Arrays.toString(dims));
      }
      n = dims[i] == 0 ? 0 : (n > MAX_ELEMENTS / Math.max(dims[i], 1) ? MAX_ELEMENTS + 1 : n * dims[i]);
    }
    if (n > MAX_ELEMENTS) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED,
          "shape " + Arrays.toString(dims) + " has more than " + MAX_ELEMENTS + " elements");
    }
    this.dims = dims;
    this.numElements = n;
  }

  public static Shape of(long... dims) {
    return dims.length == 0 ? SCALAR : new Shape(dims.clone());
  }

  public static Shape of(int... dims) {
    return new Shape(Arrays.stream(dims).asLongStream().toArray());
  }

  public static Shape scalar() {
    return SCALAR;
  }

  public int rank() {
    return dims.length;
  }

  public long dim(int axis) {
    return dims[axis];
  }

  /** The dimension as an int, for loops over one axis; refuses axes longer than 2^31-1. */
  public int dimInt(int axis) {
    return Math.toIntExact(dims[axis]);
  }

  public long[] dims() {
    return dims.clone();
  }

  public int[] intDims() {
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      out[i] = Math.toIntExact(dims[i]);
    }
    return out;
  }

  public long numElements() {
    return numElements;
  }

  /** Row-major strides in elements. */
  public long[] strides() {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape other && Arrays.equals(dims, other.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
