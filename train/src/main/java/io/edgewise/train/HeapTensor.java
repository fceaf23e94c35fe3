package io.edgewise.train;

import io.edgewise.EdgewiseException;
import java.util.Arrays;

/**
 * A float32 array with its row-major shape: the activations, gradients and parameters of training. They live on the
 * Java heap (not in native tensor memory) because training creates and drops many per batch and the garbage collector
 * is the right owner for that; native kernels read and write them through JavaCPP's array passing.
 */
public record HeapTensor(float[] data, int[] shape) {
  public HeapTensor {
    long n = count(shape);
    if (n != data.length) {
      throw EdgewiseException.invalidArgument(data.length + " values for shape " + Arrays.toString(shape));
    }
  }

  public static HeapTensor zeros(int... shape) {
    return new HeapTensor(new float[Math.toIntExact(count(shape))], shape.clone());
  }

  public static long count(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw EdgewiseException.invalidArgument("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    return n;
  }

  public int size() {
    return data.length;
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public HeapTensor reshaped(int... newShape) {
    return new HeapTensor(data, newShape.clone());
  }

  public HeapTensor copy() {
    return new HeapTensor(data.clone(), shape.clone());
  }

  public String describe() {
    return Arrays.toString(shape);
  }
}
