package io.edgewise.serve.common;

import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** Zero-filled inputs for the runs a load makes before any request (Triton's model warm-up, a group's profile). */
final class ZeroInputs {
  private ZeroInputs() {}

  /**
   * One zero tensor per input of the session, in its order; null when an input's shape is not fixed (a dynamic shape:
   * the first request's shape decides). The caller closes them.
   */
  static Map<String, Tensor> of(Session session) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    try {
      for (ValueInfo in : session.inputs()) {
        if (!in.isSupported() || !in.hasRank() || in.dims().stream().anyMatch(d -> !d.isKnown())) {
          inputs.values().forEach(Tensor::close);
          return null;
        }
        long[] dims = in.dims().stream().mapToLong(ValueInfo.Dim::value).toArray();
        inputs.put(in.name(), Tensor.allocate(in.dtype(), Shape.of(dims)));
      }
      return inputs;
    } catch (RuntimeException e) {
      inputs.values().forEach(Tensor::close);
      throw e;
    }
  }
}
