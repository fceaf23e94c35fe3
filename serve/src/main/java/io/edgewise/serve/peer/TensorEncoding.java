package io.edgewise.serve.peer;

/**
 * How floating-point tensors travel between peers. Tensors of other types (int64 indices, bool masks) always
 * travel in their own type, whatever is asked.
 */
public enum TensorEncoding {
  /** The tensor's own element type, little-endian (4 bytes per fp32 element): exact. */
  FP32(0),
  /** IEEE binary16, round to nearest even: half the bytes, relative error at most 2^-11 (overflow to infinity). */
  FP16(1),
  /**
   * Symmetric per-tensor int8: q = round(x / scale) clamped to [-127, 127], scale = max|x| / 127 sent beside the
   * data: a quarter of the bytes, absolute error at most scale / 2.
   */
  INT8(2);

  private final int code;

  TensorEncoding(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static TensorEncoding fromCode(int code) {
    for (TensorEncoding e : values()) {
      if (e.code == code) {
        return e;
      }
    }
    return null;
  }
}
