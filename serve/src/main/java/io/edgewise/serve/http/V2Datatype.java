package io.edgewise.serve.http;

import io.edgewise.ByName;
import io.edgewise.EdgewiseException;
import io.edgewise.tensor.DType;

/** The Open Inference Protocol's tensor datatype names ("FP32", "INT64", ...) and the runtime's dtypes. */
public final class V2Datatype {
  private V2Datatype() {}

  public static String name(DType t) {
    return switch (t) {
      case BOOL -> "BOOL";
      case UINT8 -> "UINT8";
      case UINT16 -> "UINT16";
      case UINT32 -> "UINT32";
      case UINT64 -> "UINT64";
      case INT8 -> "INT8";
      case INT16 -> "INT16";
      case INT32 -> "INT32";
      case INT64 -> "INT64";
      case FLOAT16 -> "FP16";
      case FLOAT32 -> "FP32";
      case FLOAT64 -> "FP64";
    };
  }

  /**
   * The dtype of a datatype name; names the protocol defines but the runtime's tensors lack are refused: BF16, and
   * BYTES, which only models that take it accept (as a {@link BytesTensor}, see {@link V2Bytes}).
   */
  public static DType parse(String name, String where) {
    for (DType t : DType.values()) {
      if (name(t).equals(name)) {
        return t;
      }
    }
    if (name.equals(V2Bytes.DATATYPE)) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.UNSUPPORTED_TYPE, where + ": datatype BYTES is not a "
          + "numeric tensor; only models that take BYTES accept it");
    }
    if (name.equals("BF16")) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.UNSUPPORTED_TYPE, where + ": datatype " + name
          + " is not supported by this server");
    }
    throw EdgewiseException.invalidArgument(where + ": unknown datatype \"" + clip(name)
        + "\" (expected BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32 or FP64; names are case-sensitive)");
  }

  /** Request text echoed in an error, cut short so an error message never grows with the request. */
  static String clip(String s) {
    return ByName.clip(s);
  }
}
