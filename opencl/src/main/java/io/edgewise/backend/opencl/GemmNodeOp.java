package io.edgewise.backend.opencl;

import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import java.util.Map;

/**
 * Gemm with an optional bias C of N values ([N] or [1, N]), on gemm.cl: the kernel
 * computes Y^T = B'^T A'^T, so B (the weights) is the kernel's A operand and each output feature is a kernel row.
 */
final class GemmNodeOp implements ClNodeOp {
  /**
   * gemm_dot (gemm.cl): work-items (j < N, i < M) read rows a[i] and b[j] of K values and bias[j], write
   * y[i * N + j].
   */
  static final ClFootprint GEMM_DOT = ClFootprint.of("in a, in b, in bias, out y, M, N, K, hasBias, scale, "
      + "biasScale", (g, a, e) -> {
        long j = Math.min(g[0], ClFootprint.i(a, 5));
        long i = Math.min(g[1], ClFootprint.i(a, 4));
        long k = ClFootprint.i(a, 6);
        if (i > 0 && j > 0) {
          e[0] = i * k;
          e[1] = j * k;
          e[2] = ClFootprint.i(a, 7) != 0 ? j : 0;
          e[3] = (i - 1) * ClFootprint.i(a, 5) + j;
        }
      });

  @Override
  public DeviceTensor[] run(NodeArgs a) {
    Node node = a.node();
    Shape sa = a.shape(0);
    Shape sb = a.shape(1);
    Shape sc = a.present(2) ? a.shape(2) : null;
    if (sa.rank() != 2 || sb.rank() != 2) {
      return null;
    }
    boolean ta = node.attrInt("transA", 0) == 1;
    boolean tb = node.attrInt("transB", 0) == 1;
    int m = (int) sa.dim(ta ? 1 : 0);
    int k = (int) sa.dim(ta ? 0 : 1);
    int n = (int) sb.dim(tb ? 0 : 1);
    if (sb.dim(tb ? 1 : 0) != k || m == 0 || n == 0) {
      return null;  // the reference kernel names the mismatch
    }
    if (sc != null && (sc.numElements() != n || sc.rank() == 0 || sc.rank() > 2 || sc.dim(sc.rank() - 1) != n)) {
      return null;  // a bias that is not one value per output feature (per row, or a scalar) stays on the host
    }
    DeviceTensor y = a.allocate(Shape.of(m, n));
    if (tb && !ta && a.programs().context().device().type().equals("CPU")) {
      // the fully connected layer on a CPU device: vectorised dot products of contiguous rows
      DeviceTensor bias = sc != null ? a.device(2) : a.device(1);
      long ns = a.programs().context().launch(a.programs().kernel("gemm.cl", "gemm_dot", Map.of()),
          GEMM_DOT, node, new long[] {n, m}, null, a.profile(), a.device(0).buffer(), a.device(1).buffer(),
          bias.buffer(), y.buffer(), m, n, k, sc != null ? 1 : 0, node.attrFloat("alpha", 1f),
          node.attrFloat("beta", 1f));
      PoolNodeOp.record(a, ns);
      return new DeviceTensor[] {y};
    }
    int lx = m >= 16 ? 16 : 1;
    TileParams t = new TileParams(4, 1, lx, false, 1);
    ClKernel kernel = a.programs().kernel("gemm.cl", "gemm", t.macros(ConvAlgorithm.GEMM));
    // kernel rows = output features j (reading B'[k][j]), kernel columns = rows i of A' (reading A'[i][k])
    int rsa = tb ? k : 1;
    int csa = tb ? 1 : n;
    int rsb = ta ? m : 1;
    int csb = ta ? 1 : k;
    DeviceTensor bias = sc != null ? a.device(2) : a.device(1);
    long ns = a.programs().context().launch(kernel, ConvFootprints.gemm(t, false), node,
        new long[] {(long) ClConvolution.ceil(m, lx) * lx, ClConvolution.ceil(n, t.rows()), 1}, new long[] {lx, 1, 1},
        a.profile(), a.device(1).buffer(), a.device(0).buffer(), bias.buffer(), y.buffer(), y.buffer(), n, m, k, rsa,
        csa, rsb, csb, 1, n, 0, 0, sc != null ? 1 : 0, 0, 0f, 0f, node.attrFloat("alpha", 1f),
        node.attrFloat("beta", 1f));
    PoolNodeOp.record(a, ns);
    return new DeviceTensor[] {y};
  }
}
