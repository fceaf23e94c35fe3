package io.edgewise.tensor;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * ONNX TensorProto to and from {@link Tensor}: raw_data and every typed field (float_data, int32_data,
 * int64_data, double_data, uint64_data), and external data files confined to the model's directory.
 * Every error names the tensor and the field that is wrong.
 */
public final class TensorProtos {
  /** A .pb file larger than this is refused before it is read (1 GiB). */
  public static final long MAX_FILE_BYTES = 1L << 30;

  private TensorProtos() {}

  /** Reads a serialized TensorProto file (the ONNX test-data input_N.pb / output_N.pb format). */
  public static Tensor readFile(Path file) {
    byte[] bytes = readBounded(file);
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    TensorProto proto;
    try {
      proto = TensorProto.parseFrom(in);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.INVALID_MODEL, file + ": not a valid TensorProto (near byte offset "
          + in.getTotalBytesRead() + "): " + e.getMessage(), e);
    }
    return fromProto(proto, file.getParent(), file.toString());
  }

  /** Writes a tensor as a serialized TensorProto with raw_data. */
  public static void writeFile(Tensor tensor, String name, Path file) {
    try {
      Files.write(file, toProto(tensor, name).toByteArray());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static byte[] readBounded(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, file + ": " + size + " bytes exceeds the limit of "
            + MAX_FILE_BYTES);
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, file + ": no such file", e);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, file + ": " + e.getMessage(), e);
    }
  }

  /** The shape declared by a TensorProto, checked for negative and absurd dimensions. */
  public static Shape shapeOf(TensorProto proto, String where) {
    long[] dims = new long[proto.getDimsCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = proto.getDims(i);
      if (dims[i] < 0) {
        throw EdgewiseException.invalidModel(where + ": tensor '" + proto.getName() + "' field dims[" + i
            + "] is negative (" + dims[i] + ")");
      }
    }
    try {
      return Shape.of(dims);
    } catch (EdgewiseException e) {
      throw new EdgewiseException(e.code(), where + ": tensor '" + proto.getName() + "' field dims: "
          + e.getMessage(), e);
    }
  }

  /**
   * Converts a TensorProto. baseDir is where external data files are looked up (null refuses external data);
   * where names the file or node for error messages.
   */
  public static Tensor fromProto(TensorProto proto, Path baseDir, String where) {
    String label = where + ": tensor '" + proto.getName() + "'";
    DType dtype = DType.fromOnnx(proto.getDataType());
    if (dtype == null) {
      throw new EdgewiseException(ErrorCode.UNSUPPORTED_TYPE, label + " field data_type: "
          + DType.unsupportedName(proto.getDataType()) + " is not supported");
    }
    if (proto.hasSegment()) {
      throw EdgewiseException.notImplemented(label + " field segment: segmented tensors are not supported");
    }
    Shape shape = shapeOf(proto, where);
    long n = shape.numElements();
    long expectedBytes = n * dtype.byteSize();
    if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      return Tensor.fromBytes(dtype, shape, readExternal(proto, baseDir, label, expectedBytes));
    }
    if (proto.hasRawData()) {
      ByteString raw = proto.getRawData();
      if (raw.size() != expectedBytes) {
        throw EdgewiseException.invalidModel(label + " field raw_data holds " + raw.size() + " bytes, but "
            + dtype + shape + " needs " + expectedBytes);
      }
      return Tensor.fromBytes(dtype, shape, raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }
    // count the values before allocating: a few bytes of proto must not claim gigabytes of memory
    switch (dtype) {
      case FLOAT32 -> checkCount(label, "float_data", proto.getFloatDataCount(), n);
      case FLOAT64 -> checkCount(label, "double_data", proto.getDoubleDataCount(), n);
      case INT64 -> checkCount(label, "int64_data", proto.getInt64DataCount(), n);
      case UINT32, UINT64 -> checkCount(label, "uint64_data", proto.getUint64DataCount(), n);
      default -> checkCount(label, "int32_data", proto.getInt32DataCount(), n);
    }
    Tensor t = Tensor.allocate(dtype, shape);
    try {
      fillTyped(proto, dtype, t, label);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private static void fillTyped(TensorProto p, DType dtype, Tensor t, String label) {
    long n = t.size();
    switch (dtype) {
      case FLOAT32 -> {
        checkCount(label, "float_data", p.getFloatDataCount(), n);
        for (int i = 0; i < n; i++) {
          t.setFloat(i, p.getFloatData(i));
        }
      }
      case FLOAT64 -> {
        checkCount(label, "double_data", p.getDoubleDataCount(), n);
        for (int i = 0; i < n; i++) {
          t.setDouble(i, p.getDoubleData(i));
        }
      }
      case INT64 -> {
        checkCount(label, "int64_data", p.getInt64DataCount(), n);
        for (int i = 0; i < n; i++) {
          t.setLong(i, p.getInt64Data(i));
        }
      }
      case UINT32, UINT64 -> {
        checkCount(label, "uint64_data", p.getUint64DataCount(), n);
        for (int i = 0; i < n; i++) {
          t.setLong(i, p.getUint64Data(i));
        }
      }
      case FLOAT16 -> {
        // float16 travels as its bit pattern in int32_data
        checkCount(label, "int32_data", p.getInt32DataCount(), n);
        ByteBuffer b = t.buffer();
        for (int i = 0; i < n; i++) {
          b.putShort(i * 2, (short) p.getInt32Data(i));
        }
      }
      default -> {
        checkCount(label, "int32_data", p.getInt32DataCount(), n);
        for (int i = 0; i < n; i++) {
          t.setLong(i, p.getInt32Data(i));
        }
      }
    }
  }

  private static void checkCount(String label, String field, int count, long expected) {
    if (count != expected) {
      throw EdgewiseException.invalidModel(label + " field " + field + " holds " + count + " values, but the shape "
          + "needs " + expected);
    }
  }

  private static ByteBuffer readExternal(TensorProto proto, Path baseDir, String label, long expectedBytes) {
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : proto.getExternalDataList()) {
      try {
        switch (e.getKey()) {
          case "location" -> location = e.getValue();
          case "offset" -> offset = Long.parseLong(e.getValue());
          case "length" -> length = Long.parseLong(e.getValue());
          default -> { }
        }
      } catch (NumberFormatException ex) {
        throw EdgewiseException.invalidModel(label + " field external_data." + e.getKey() + " is not a number: '"
            + e.getValue() + "'");
      }
    }
    if (location == null || baseDir == null) {
      throw EdgewiseException.invalidModel(label + " field external_data has no usable location");
    }
    if (location.isEmpty() || location.indexOf('\0') >= 0) {
      throw EdgewiseException.invalidModel(label + " field external_data.location '" + location
          + "' is not a file name");
    }
    Path rel;
    try {
      rel = Path.of(location);
    } catch (java.nio.file.InvalidPathException e) {
      throw EdgewiseException.invalidModel(label + " field external_data.location '" + location
          + "' is not a file name");
    }
    if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
      throw EdgewiseException.invalidModel(label + " field external_data.location '" + location
          + "' is an absolute path, which points outside the model's directory (ONNX locations are relative)");
    }
    if (!baseDir.toAbsolutePath().resolve(rel).normalize().startsWith(baseDir.toAbsolutePath().normalize())) {
      throw EdgewiseException.invalidModel(label + " field external_data.location '" + location
          + "' points outside the model's directory");
    }
    if (length >= 0 && length != expectedBytes) {
      throw EdgewiseException.invalidModel(label + " field external_data.length is " + length + ", the shape needs "
          + expectedBytes);
    }
    if (expectedBytes > Integer.MAX_VALUE - 8) {
      throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, label + " needs " + expectedBytes
          + " bytes of external data, more than one tensor may hold");
    }
    // opened by its real path, which must stay in the model's directory (symbolic links resolved, no hard links,
    // no link swapped in between the check and the open): see ConfinedFiles
    try (ConfinedFiles.Opened f = ConfinedFiles.open(baseDir, rel, ErrorCode.INVALID_MODEL,
        label + " field external_data.location '" + location + "'")) {
      if (offset < 0 || offset > f.size() - expectedBytes) {
        throw EdgewiseException.invalidModel(label + ": external file " + f.realPath() + " has " + f.size()
            + " bytes, cannot read " + expectedBytes + " at offset " + offset);
      }
      return ByteBuffer.wrap(f.read(offset, (int) expectedBytes)).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, label + ": cannot read external data " + location + ": "
          + e.getMessage(), e);
    }
  }

  /** A TensorProto with raw_data (little-endian), the most compact encoding. */
  public static TensorProto toProto(Tensor tensor, String name) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name == null ? "" : name)
        .setDataType(tensor.dtype().onnxCode());
    for (long d : tensor.shape().dims()) {
      b.addDims(d);
    }
    b.setRawData(ByteString.copyFrom(tensor.buffer()));
    return b.build();
  }
}
