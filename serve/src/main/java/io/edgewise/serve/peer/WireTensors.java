package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Float16;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tensors on the wire. One tensor: name (string), encoding (u8: {@link TensorEncoding} code), dtype (u8: the ONNX
 * data type the receiver rebuilds), rank (u8), rank dims (i64 each), for INT8 the scale (f32), then the elements
 * little-endian (as the runtime stores them): 4/8/... bytes each in the tensor's own type for FP32, 2 for FP16, 1
 * for INT8. Headers are big-endian like every other field of the protocol.
 */
public final class WireTensors {
  private WireTensors() {}

  /** Writes a u16 count and the tensors, float ones in the given encoding. */
  public static void writeAll(ByteBuf out, Map<String, Tensor> tensors, TensorEncoding encoding) {
    out.writeShort(tensors.size());
    tensors.forEach((name, t) -> write(out, name, t, encoding));
  }

  public static void write(ByteBuf out, String name, Tensor t, TensorEncoding encoding) {
    TensorEncoding enc = t.dtype().isFloatingPoint() ? encoding : TensorEncoding.FP32;
    PeerCodec.writeString(out, name);
    out.writeByte(enc.code());
    out.writeByte(t.dtype().onnxCode());
    out.writeByte(t.shape().rank());
    for (long d : t.shape().dims()) {
      out.writeLong(d);
    }
    int n = Math.toIntExact(t.size());
    switch (enc) {
      case FP32 -> out.writeBytes(t.buffer());
      case FP16 -> {
        for (int i = 0; i < n; i++) {
          out.writeShortLE(Float16.fromFloat(t.getFloat(i)));
        }
      }
      case INT8 -> {
        float max = 0;
        for (int i = 0; i < n; i++) {
          float v = Math.abs(t.getFloat(i));
          if (Float.isFinite(v)) {
            max = Math.max(max, v);
          }
        }
        float scale = max / 127f;
        out.writeFloat(scale);
        for (int i = 0; i < n; i++) {
          out.writeByte(quantize(t.getFloat(i), scale));
        }
      }
    }
  }

  /**
   * Bytes of a tensor's data on the wire in an encoding, as {@link #write} sends it: floating-point tensors in the
   * encoding (int8 with its 4-byte scale), others in their own type; the name and header not counted.
   */
  public static long dataBytes(Tensor t, TensorEncoding encoding) {
    TensorEncoding enc = t.dtype().isFloatingPoint() ? encoding : TensorEncoding.FP32;
    return t.size() * elementBytes(enc, t.dtype()) + (enc == TensorEncoding.INT8 ? 4 : 0);
  }

  private static int elementBytes(TensorEncoding enc, DType dtype) {
    return switch (enc) {
      case FP32 -> dtype.byteSize();
      case FP16 -> 2;
      case INT8 -> 1;
    };
  }

  /** round(x / scale) clamped to [-127, 127]; NaN becomes 0 (int8 has no NaN). */
  static int quantize(float x, float scale) {
    if (scale == 0 || Float.isNaN(x)) {
      return 0;
    }
    return (int) Math.max(-127, Math.min(127, Math.rint(x / scale)));
  }

  /** Reads a u16 count and that many tensors; on any error closes what it read and throws BAD_FRAME. */
  public static Map<String, Tensor> readAll(ByteBuf in, PeerLimits limits, TensorEncoding[] firstEncoding) {
    int count = PeerCodec.readU16(in, "tensor count");
    if (count > limits.maxTensors()) {
      throw new PeerException(PeerErrorCode.INVALID_ARGUMENT, count + " tensors in one message; the limit is "
          + limits.maxTensors());
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    try {
      for (int i = 0; i < count; i++) {
        String name = PeerCodec.readString(in, "tensor[" + i + "] name");
        if (out.containsKey(name)) {
          throw PeerException.badFrame("tensor name '" + name + "' appears twice");
        }
        TensorEncoding[] enc = new TensorEncoding[1];
        out.put(name, read(in, limits, "tensor '" + name + "'", enc));
        if (firstEncoding != null && firstEncoding[0] == null && out.get(name).dtype().isFloatingPoint()) {
          firstEncoding[0] = enc[0];
        }
      }
      return out;
    } catch (RuntimeException e) {
      out.values().forEach(Tensor::close);
      throw e;
    }
  }

  static Tensor read(ByteBuf in, PeerLimits limits, String where, TensorEncoding[] encodingOut) {
    TensorEncoding enc = TensorEncoding.fromCode(PeerCodec.readU8(in, where + " encoding"));
    if (enc == null) {
      throw PeerException.badFrame(where + ": unknown tensor encoding");
    }
    int dtypeCode = PeerCodec.readU8(in, where + " dtype");
    DType dtype = DType.fromOnnx(dtypeCode);
    if (dtype == null) {
      throw PeerException.badFrame(where + ": unsupported dtype code " + dtypeCode + " ("
          + DType.unsupportedName(dtypeCode) + ")");
    }
    if (enc != TensorEncoding.FP32 && !dtype.isFloatingPoint()) {
      throw PeerException.badFrame(where + ": " + enc + " encoding of a " + dtype.onnxName() + " tensor");
    }
    int rank = PeerCodec.readU8(in, where + " rank");
    if (rank > PeerLimits.MAX_RANK) {
      throw PeerException.badFrame(where + ": rank " + rank + " exceeds " + PeerLimits.MAX_RANK);
    }
    PeerCodec.need(in, 8L * rank, where + " dims");
    long[] dims = new long[rank];
    long elements = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = in.readLong();
      if (dims[i] < 0) {
        throw PeerException.badFrame(where + ": negative dimension " + dims[i] + " at axis " + i);
      }
      try {
        elements = Math.multiplyExact(elements, dims[i]);
      } catch (ArithmeticException overflow) {
        elements = Long.MAX_VALUE;
      }
    }
    if (elements > limits.maxTensorElements()) {
      throw new PeerException(PeerErrorCode.INVALID_ARGUMENT, where + ": more than " + limits.maxTensorElements()
          + " elements");
    }
    float scale = 0;
    if (enc == TensorEncoding.INT8) {
      PeerCodec.need(in, 4, where + " scale");
      scale = in.readFloat();
      if (!Float.isFinite(scale) || scale < 0) {
        throw PeerException.badFrame(where + ": int8 scale " + scale + " is not a finite non-negative number");
      }
    }
    int elementBytes = elementBytes(enc, dtype);
    // check the bytes are there before allocating anything: a hostile header cannot make us allocate
    PeerCodec.need(in, elements * elementBytes, where + " data");
    Shape shape = Shape.of(dims);
    int n = (int) elements;
    Tensor t = Tensor.allocate(dtype, shape);
    try {
      switch (enc) {
        case FP32 -> {
          ByteBuffer dst = t.buffer().order(ByteOrder.LITTLE_ENDIAN);
          in.readBytes(dst);
        }
        case FP16 -> {
          for (int i = 0; i < n; i++) {
            t.setFloat(i, Float16.toFloat(in.readShortLE()));
          }
        }
        case INT8 -> {
          for (int i = 0; i < n; i++) {
            t.setFloat(i, in.readByte() * scale);
          }
        }
      }
    } catch (RuntimeException e) {
      t.close();
      throw e instanceof EdgewiseException ? e : PeerException.badFrame(where + ": " + e);
    }
    encodingOut[0] = enc;
    return t;
  }
}
