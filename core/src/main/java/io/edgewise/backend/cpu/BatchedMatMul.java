package io.edgewise.backend.cpu;

import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * The MatMul shapes the native kernels run: operands of equal rank >= 2 whose batch dimensions agree exactly
 * (no broadcasting), as `batches` independent [m, k] x [k, n] products. Anything else goes to the reference kernel.
 */
record BatchedMatMul(long batches, long m, long k, long n, Shape output) {

  /** The plan, or null when the shapes need the reference kernel (ranks, broadcast batches). */
  static BatchedMatMul of(Tensor a, Tensor b) {
    int rank = a.shape().rank();
    if (rank < 2 || b.shape().rank() != rank) {
      return null;
    }
    long[] ad = a.shape().dims();
    long[] bd = b.shape().dims();
    long batches = 1;
    for (int i = 0; i < rank - 2; i++) {
      if (ad[i] != bd[i]) {
        return null;
      }
      batches *= ad[i];
    }
    long[] out = ad.clone();
    out[rank - 1] = bd[rank - 1];
    return new BatchedMatMul(batches, ad[rank - 2], ad[rank - 1], bd[rank - 1], Shape.of(out));
  }

  /** Whether B's rows match A's columns. */
  boolean innerDimsAgree(Tensor b) {
    return b.shape().dim(b.shape().rank() - 2) == k;
  }
}
