package io.edgewise.model.shapes;

/**
 * ONNX Slice's bounds for one axis, shared by shape inference and the kernels so both clamp the same way: for
 * step > 0 start and end lie in [0, n]; for step < 0 start lies in [0, n - 1] and end in [-1, n - 1] (so that the
 * first element can be included). Negative start/end count from the end.
 */
public final class SliceRange {
  private SliceRange() {}

  /** {first index, element count} of start:end:step over an axis of length n; step must not be 0. */
  public static long[] of(long n, long start, long end, long step) {
    if (n == 0) {
      return new long[] {0, 0};
    }
    long st = start < 0 ? start + n : start;
    long en = end < 0 ? end + n : end;
    if (step > 0) {
      st = clamp(st, 0, n);
      en = clamp(en, 0, n);
      return new long[] {st, en > st ? (en - st - 1) / step + 1 : 0};  // ceil((en - st) / step) without overflow
    }
    st = clamp(st, 0, n - 1);
    en = clamp(en, -1, n - 1);
    return new long[] {st, st > en ? (st - en - 1) / -step + 1 : 0};
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
