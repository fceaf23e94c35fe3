package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;

/** Relu, LeakyRelu and Clip: elementwise, with the derivative taken from the saved input. */
final class ActivationGradient implements OpGradient {
  private interface Fn {
    float value(float x);

    float slope(float x);
  }

  private static Fn function(OpCall call, HeapTensor[] in) {
    switch (call.node().opType()) {
      case "Relu" -> {
        return new Fn() {
          public float value(float x) {
            return x > 0 ? x : 0f;
          }

          public float slope(float x) {
            return x > 0 ? 1f : 0f;
          }
        };
      }
      case "LeakyRelu" -> {
        float alpha = call.node().attrFloat("alpha", 0.01f);
        return new Fn() {
          public float value(float x) {
            return x >= 0 ? x : alpha * x;
          }

          public float slope(float x) {
            return x >= 0 ? 1f : alpha;
          }
        };
      }
      case "Clip" -> {
        float lo;
        float hi;
        if (call.opset() < 11) {
          lo = call.node().attrFloat("min", -Float.MAX_VALUE);
          hi = call.node().attrFloat("max", Float.MAX_VALUE);
        } else {
          lo = in.length > 1 && in[1] != null ? in[1].data()[0] : Float.NEGATIVE_INFINITY;
          hi = in.length > 2 && in[2] != null ? in[2].data()[0] : Float.POSITIVE_INFINITY;
        }
        return new Fn() {
          public float value(float x) {
            return Math.min(Math.max(x, lo), hi);
          }

          // PyTorch's convention at the bounds: the gradient passes where lo <= x <= hi
          public float slope(float x) {
            return x >= lo && x <= hi ? 1f : 0f;
          }
        };
      }
      default -> throw call.notImplemented(call.node().opType());
    }
  }

  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    Fn f = function(call, in);
    float[] x = in[0].data();
    HeapTensor y = HeapTensor.zeros(in[0].shape());
    for (int i = 0; i < x.length; i++) {
      y.data()[i] = f.value(x[i]);
    }
    return Forward.of(y);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    HeapTensor[] grads = new HeapTensor[in.length];
    if (wanted[0]) {
      Fn f = function(call, in);
      float[] x = in[0].data();
      float[] dy = dOut[0].data();
      HeapTensor dx = HeapTensor.zeros(in[0].shape());
      for (int i = 0; i < x.length; i++) {
        dx.data()[i] = dy[i] * f.slope(x[i]);
      }
      grads[0] = dx;
    }
    return grads;
  }
}
