package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Einsum (opset 12) over plain index loops: every combination of every label's values is visited once, and the
 * product of the operands' elements at it is added to the output element its output labels select. That covers
 * every equation the spec allows: matrix and batch products, transposes, traces and diagonals (a label repeated in
 * one operand), reductions, outer products, and "..." (the dimensions not named, broadcast numpy-style across
 * operands, size 1 stretching).
 *
 * <p>Without "->" (implicit mode) the output is the "..." dimensions followed by the labels that occur exactly once
 * in the equation, in alphabetical (ASCII) order. Floating types accumulate in double, integer types in long.
 */
public final class EinsumKernel {
  private EinsumKernel() {}

  public static void register(OpRegistry r) {
    r.register("Einsum", EinsumKernel::compute);
  }

  /** The parsed equation: each operand's labels and the output's; labels >= 128 stand for "..." dimensions. */
  record Equation(List<int[]> inputs, int[] output) {}

  private static final int ELLIPSIS = 128;

  private static Tensor[] compute(OpContext ctx, Tensor[] in) {
    String text = ctx.node().attrString("equation", null);
    if (text == null) {
      throw ctx.invalid("attribute equation is required");
    }
    for (int i = 0; i < in.length; i++) {
      ctx.required(in, i);
    }
    if (in.length == 0) {
      throw ctx.invalid("Einsum needs at least one input");
    }
    int[] ranks = new int[in.length];
    for (int i = 0; i < in.length; i++) {
      ranks[i] = in[i].shape().rank();
      if (in[i].dtype() != in[0].dtype()) {
        throw ctx.invalid("inputs have different types " + in[0].dtype() + " and " + in[i].dtype());
      }
    }
    Equation eq;
    try {
      eq = parse(text, ranks);
    } catch (IllegalArgumentException e) {
      throw ctx.invalid("equation '" + text + "': " + e.getMessage());
    }
    // every label's extent, checked across operands ("..." dims broadcast where one side is 1)
    Map<Integer, Long> extent = new LinkedHashMap<>();
    for (int k = 0; k < in.length; k++) {
      int[] labels = eq.inputs().get(k);
      for (int d = 0; d < labels.length; d++) {
        long size = in[k].shape().dim(d);
        Long have = extent.get(labels[d]);
        if (have == null || have == 1 && labels[d] >= ELLIPSIS) {
          extent.put(labels[d], size);
        } else if (have != size && !(labels[d] >= ELLIPSIS && size == 1)) {
          throw ctx.invalid("equation '" + text + "': " + label(labels[d]) + " is " + have + " in one place and "
              + size + " in input[" + k + "] " + in[k].shape());
        }
      }
    }
    int[] out = eq.output();
    List<Integer> all = new ArrayList<>();
    for (int l : out) {
      all.add(l);
    }
    for (int l : extent.keySet()) {
      if (!all.contains(l)) {
        all.add(l);  // summed over
      }
    }
    int n = all.size();
    long[] dims = new long[n];
    for (int i = 0; i < n; i++) {
      dims[i] = extent.get(all.get(i));
    }
    long[] outDims = Arrays.copyOf(dims, out.length);
    // the stride of every label in every operand (a label repeated in one operand adds its strides: a diagonal;
    // a "..." dim of size 1 against a larger extent gets stride 0: broadcast)
    long[][] strides = new long[in.length][n];
    for (int k = 0; k < in.length; k++) {
      int[] labels = eq.inputs().get(k);
      long[] s = in[k].shape().strides();
      for (int d = 0; d < labels.length; d++) {
        int pos = all.indexOf(labels[d]);
        if (in[k].shape().dim(d) != 1 || dims[pos] == 1) {
          strides[k][pos] += s[d];
        }
      }
    }
    long[] outStrides = Shape.of(outDims).strides();
    boolean fp = in[0].dtype().isFloatingPoint();
    double[][] dv = new double[in.length][];
    long[][] lv = new long[in.length][];
    for (int k = 0; k < in.length; k++) {
      if (fp) {
        dv[k] = in[k].toDoubleArray();
      } else {
        lv[k] = in[k].toLongArray();
      }
    }
    Shape outShape = Shape.of(outDims);
    double[] accD = fp ? new double[Math.toIntExact(outShape.numElements())] : null;
    long[] accL = fp ? null : new long[Math.toIntExact(outShape.numElements())];
    long total = 1;
    for (long d : dims) {
      total *= d;
    }
    long[] idx = new long[n];
    for (long it = 0; it < total; it++) {
      int o = 0;
      for (int i = 0; i < out.length; i++) {
        o += (int) (idx[i] * outStrides[i]);
      }
      if (fp) {
        double p = 1;
        for (int k = 0; k < in.length; k++) {
          p *= dv[k][offset(idx, strides[k])];
        }
        accD[o] += p;
      } else {
        long p = 1;
        for (int k = 0; k < in.length; k++) {
          p *= lv[k][offset(idx, strides[k])];
        }
        accL[o] += p;
      }
      ShapeKernels.next(idx, dims);
    }
    Tensor y = fp ? Tensor.ofDoubles(in[0].dtype(), outShape, accD) : Tensor.ofLongs(in[0].dtype(), outShape, accL);
    return new Tensor[] {y};
  }

  private static int offset(long[] idx, long[] strides) {
    long f = 0;
    for (int i = 0; i < idx.length; i++) {
      f += idx[i] * strides[i];
    }
    return (int) f;
  }

  private static String label(int l) {
    return l >= ELLIPSIS ? "a '...' dimension" : "label '" + (char) l + "'";
  }

  /** Parses the equation against the operands' ranks; IllegalArgumentException says what is wrong. */
  static Equation parse(String text, int[] ranks) {
    String eq = text.replace(" ", "");
    int arrow = eq.indexOf("->");
    String lhs = arrow < 0 ? eq : eq.substring(0, arrow);
    String[] terms = lhs.split(",", -1);
    if (terms.length != ranks.length) {
      throw new IllegalArgumentException("names " + terms.length + " operands but the node has " + ranks.length
          + " inputs");
    }
    int ellipsisRank = 0;
    for (int k = 0; k < terms.length; k++) {
      int letters = letters(terms[k]);
      boolean hasEllipsis = terms[k].contains("...");
      if (hasEllipsis ? ranks[k] < letters : ranks[k] != letters) {
        throw new IllegalArgumentException("operand " + k + " '" + terms[k] + "' does not fit input[" + k
            + "] of rank " + ranks[k]);
      }
      if (hasEllipsis) {
        ellipsisRank = Math.max(ellipsisRank, ranks[k] - letters);
      }
    }
    List<int[]> inputs = new ArrayList<>();
    int[] counts = new int[ELLIPSIS];
    for (int k = 0; k < terms.length; k++) {
      int[] labels = labels(terms[k], ranks[k] - letters(terms[k]), ellipsisRank);
      for (int l : labels) {
        if (l < ELLIPSIS) {
          counts[l]++;
        }
      }
      inputs.add(labels);
    }
    int[] output;
    if (arrow >= 0) {
      String rhs = eq.substring(arrow + 2);
      if (rhs.contains("...") && !lhs.contains("...")) {
        throw new IllegalArgumentException("the output has '...' but no input does");
      }
      output = labels(rhs, rhs.contains("...") ? ellipsisRank : 0, ellipsisRank);
      for (int i = 0; i < output.length; i++) {
        if (output[i] < ELLIPSIS && counts[output[i]] == 0) {
          throw new IllegalArgumentException("output label '" + (char) output[i] + "' is in no input");
        }
        for (int j = 0; j < i; j++) {
          if (output[j] == output[i]) {
            throw new IllegalArgumentException("output label '" + (char) output[i] + "' appears twice");
          }
        }
      }
    } else {
      List<Integer> implicit = new ArrayList<>();
      for (int e = 0; e < ellipsisRank; e++) {
        implicit.add(ELLIPSIS + e);
      }
      for (int c = 0; c < ELLIPSIS; c++) {
        if (counts[c] == 1) {
          implicit.add(c);
        }
      }
      output = implicit.stream().mapToInt(Integer::intValue).toArray();
    }
    return new Equation(inputs, output);
  }

  private static int letters(String term) {
    int n = 0;
    for (char ch : term.replace("...", "").toCharArray()) {
      if (!Character.isLetter(ch) || ch >= 128) {
        throw new IllegalArgumentException("'" + ch + "' is not a label (labels are letters a-z, A-Z)");
      }
      n++;
    }
    if (term.indexOf("...") != term.lastIndexOf("...")) {
      throw new IllegalArgumentException("'" + term + "' has '...' more than once");
    }
    return n;
  }

  /** The term's labels, its "..." expanded to the last `count` of the ellipsisRank "..." labels (right-aligned). */
  private static int[] labels(String term, int count, int ellipsisRank) {
    letters(term);
    List<Integer> out = new ArrayList<>();
    int at = term.indexOf("...");
    for (int i = 0; i < term.length(); i++) {
      if (i == at) {
        for (int e = ellipsisRank - count; e < ellipsisRank; e++) {
          out.add(ELLIPSIS + e);
        }
        i += 2;
      } else {
        out.add((int) term.charAt(i));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
