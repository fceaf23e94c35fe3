package io.edgewise.tensor;

/**
 * Element types. The numeric codes are ONNX's TensorProto.DataType values, so they double as the wire format.
 * Types ONNX defines but the runtime does not compute with (bfloat16, float8, int4, strings, complex) are listed
 * in {@link #unsupportedName(int)} so that loaders can refuse them by name.
 */
public enum DType {
  FLOAT32(1, 4, true, true),
  UINT8(2, 1, false, false),
  INT8(3, 1, false, true),
  UINT16(4, 2, false, false),
  INT16(5, 2, false, true),
  INT32(6, 4, false, true),
  INT64(7, 8, false, true),
  BOOL(9, 1, false, false),
  FLOAT16(10, 2, true, true),
  FLOAT64(11, 8, true, true),
  UINT32(12, 4, false, false),
  UINT64(13, 8, false, false);

  private final int onnxCode;
  private final int byteSize;
  private final boolean floatingPoint;
  private final boolean signed;

  DType(int onnxCode, int byteSize, boolean floatingPoint, boolean signed) {
    this.onnxCode = onnxCode;
    this.byteSize = byteSize;
    this.floatingPoint = floatingPoint;
    this.signed = signed;
  }

  public int onnxCode() {
    return onnxCode;
  }

  public int byteSize() {
    return byteSize;
  }

  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  public boolean isSigned() {
    return signed;
  }

  public boolean isInteger() {
    return !floatingPoint && this != BOOL;
  }

  /** The dtype for an ONNX data_type code, or null when the runtime does not support that code. */
  public static DType fromOnnx(int code) {
    for (DType t : values()) {
      if (t.onnxCode == code) {
        return t;
      }
    }
    return null;
  }

  /** ONNX's name for a data_type code the runtime cannot compute with, or null when the code is supported. */
  public static String unsupportedName(int code) {
    return switch (code) {
      case 0 -> "UNDEFINED";
      case 8 -> "STRING";
      case 14 -> "COMPLEX64";
      case 15 -> "COMPLEX128";
      case 16 -> "BFLOAT16";
      case 17 -> "FLOAT8E4M3FN";
      case 18 -> "FLOAT8E4M3FNUZ";
      case 19 -> "FLOAT8E5M2";
      case 20 -> "FLOAT8E5M2FNUZ";
      case 21 -> "UINT4";
      case 22 -> "INT4";
      case 23 -> "FLOAT4E2M1";
      case 24 -> "FLOAT8E8M0";
      case 25 -> "UINT2";
      case 26 -> "INT2";
      default -> fromOnnx(code) == null ? "data_type " + code : null;
    };
  }

  public String onnxName() {
    return switch (this) {
      case FLOAT32 -> "float";
      case FLOAT64 -> "double";
      case FLOAT16 -> "float16";
      default -> name().toLowerCase();
    };
  }
}
