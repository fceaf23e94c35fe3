package io.edgewise.backend.reference.ops;

import io.edgewise.tensor.DType;

/** Value ranges and exact comparisons of the integer dtypes, for kernels that compute in long. */
final class ElementwiseTypes {
  private ElementwiseTypes() {}

  /** The smallest value of an integer dtype, as getLong returns it. */
  static long minValue(DType t) {
    return switch (t) {
      case INT8 -> Byte.MIN_VALUE;
      case INT16 -> Short.MIN_VALUE;
      case INT32 -> Integer.MIN_VALUE;
      case INT64 -> Long.MIN_VALUE;
      default -> 0;  // unsigned and bool
    };
  }

  /** The largest value of an integer dtype, as getLong returns it (uint64's is -1L, i.e. 2^64 - 1). */
  static long maxValue(DType t) {
    return switch (t) {
      case INT8 -> Byte.MAX_VALUE;
      case UINT8 -> 0xff;
      case INT16 -> Short.MAX_VALUE;
      case UINT16 -> 0xffff;
      case INT32 -> Integer.MAX_VALUE;
      case UINT32 -> 0xffffffffL;
      case INT64 -> Long.MAX_VALUE;
      case UINT64 -> -1L;
      case BOOL -> 1;
      default -> throw new IllegalArgumentException(t + " is not an integer type");
    };
  }

  /** Compares two values of the same integer dtype as getLong returns them (uint64 compares unsigned). */
  static int compare(DType t, long a, long b) {
    return t == DType.UINT64 ? Long.compareUnsigned(a, b) : Long.compare(a, b);
  }
}
