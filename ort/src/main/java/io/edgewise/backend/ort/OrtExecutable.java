package io.edgewise.backend.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.backend.Executable;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** One OrtSession; converts tensors at the boundary and closes every ORT object it creates. */
final class OrtExecutable implements Executable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String label;

  OrtExecutable(OrtEnvironment env, OrtSession session, String label) {
    this.env = env;
    this.session = session;
    this.label = label;
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
        feeds.put(e.getKey(), toOrt(e.getKey(), e.getValue()));
      }
      try (OrtSession.Result result = session.run(feeds)) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try {
          for (Map.Entry<String, OnnxValue> e : result) {
            out.put(e.getKey(), fromOrt(e.getKey(), e.getValue()));
          }
          return out;
        } catch (RuntimeException e) {
          // an output we cannot take: release the ones already copied before reporting it
          out.values().forEach(Tensor::close);
          throw e;
        }
      }
    } catch (OrtException e) {
      throw new EdgewiseException(ErrorCode.DEVICE, label + ": ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private OnnxTensor toOrt(String name, Tensor t) throws OrtException {
    OnnxJavaType type = switch (t.dtype()) {
      case FLOAT32 -> OnnxJavaType.FLOAT;
      case FLOAT64 -> OnnxJavaType.DOUBLE;
      case FLOAT16 -> OnnxJavaType.FLOAT16;
      case INT8 -> OnnxJavaType.INT8;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case BOOL -> OnnxJavaType.BOOL;
      default -> throw new EdgewiseException(ErrorCode.UNSUPPORTED_TYPE, label + ": input '" + name + "' is "
          + t.dtype() + ", which ONNX Runtime's Java API cannot take");
    };
    // a direct buffer: ORT reads the tensor's own memory, no copy
    return OnnxTensor.createTensor(env, t.buffer(), t.shape().dims(), type);
  }

  private Tensor fromOrt(String name, OnnxValue value) {
    if (!(value instanceof OnnxTensor tensor)) {
      throw new EdgewiseException(ErrorCode.UNSUPPORTED_TYPE, label + ": output '" + name + "' is a "
          + value.getType() + ", not a tensor");
    }
    TensorInfo info = tensor.getInfo();
    DType dtype = dtypeOf(info.onnxType);
    if (dtype == null) {
      throw new EdgewiseException(ErrorCode.UNSUPPORTED_TYPE, label + ": output '" + name + "' has type "
          + info.onnxType);
    }
    ByteBuffer bytes = tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return Tensor.fromBytes(dtype, Shape.of(info.getShape()), bytes);
  }

  /** ORT's Java enum numbers element types its own way; map by name. */
  private static DType dtypeOf(TensorInfo.OnnxTensorType type) {
    return switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DType.FLOAT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DType.FLOAT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DType.FLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DType.BOOL;
      default -> null;
    };
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new EdgewiseException(ErrorCode.DEVICE, label + ": closing the ONNX Runtime session failed", e);
    }
  }
}
