package io.edgewise.model;

import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The declared type of a graph value. For tensors: element type and shape, where each dimension is a number, a
 * symbolic name (e.g. "batch") or unknown. Non-tensor ONNX types (sequence, map, optional, sparse) and element
 * types the runtime does not support are kept by name in {@code unsupportedType} so callers can refuse or skip.
 */
public record ValueInfo(String name, DType dtype, List<Dim> dims, String unsupportedType) {

  /** One dimension: value >= 0 when known, else param (a symbol) or neither (unknown). */
  public record Dim(long value, String param) {
    public static Dim of(long v) {
      return new Dim(v, null);
    }

    public static Dim symbol(String p) {
      return new Dim(-1, p);
    }

    public static Dim unknown() {
      return new Dim(-1, null);
    }

    public boolean isKnown() {
      return value >= 0;
    }

    @Override
    public String toString() {
      return value >= 0 ? Long.toString(value) : (param != null ? param : "?");
    }
  }

  public ValueInfo {
    dims = dims == null ? null : List.copyOf(dims);
  }

  public static ValueInfo tensor(String name, DType dtype, Shape shape) {
    List<Dim> d = new ArrayList<>();
    for (long v : shape.dims()) {
      d.add(Dim.of(v));
    }
    return new ValueInfo(name, dtype, d, null);
  }

  /** A tensor whose rank is unknown. */
  public static ValueInfo tensor(String name, DType dtype) {
    return new ValueInfo(name, dtype, null, null);
  }

  public static ValueInfo unsupported(String name, String type) {
    return new ValueInfo(name, null, null, type);
  }

  public boolean isSupported() {
    return unsupportedType == null && dtype != null;
  }

  public boolean hasRank() {
    return dims != null;
  }

  /** The shape when every dimension is known, else null. */
  public Shape concreteShape() {
    if (dims == null) {
      return null;
    }
    long[] v = new long[dims.size()];
    for (int i = 0; i < v.length; i++) {
      if (!dims.get(i).isKnown()) {
        return null;
      }
      v[i] = dims.get(i).value();
    }
    return Shape.of(v);
  }

  /**
   * Why a tensor of shape {@code shape} cannot be this value (another rank, or a dimension the declaration fixes
   * given another value), naming the value and the dimension; null when it can (or the rank is not declared).
   */
  public String shapeMismatch(long[] shape) {
    return shapeMismatch(shape, "the model");
  }

  /** As {@link #shapeMismatch(long[])}, for a declaration made by {@code declaredBy} (e.g. "--shape"). */
  public String shapeMismatch(long[] shape, String declaredBy) {
    if (dims == null) {
      return null;
    }
    if (dims.size() != shape.length) {
      return "input '" + name + "' has " + dims.size() + " dimensions " + dims + ", not " + shape.length;
    }
    for (int i = 0; i < shape.length; i++) {
      if (dims.get(i).isKnown() && dims.get(i).value() != shape[i]) {
        return "input '" + name + "' dimension " + i + " is fixed at " + dims.get(i).value() + " by " + declaredBy + " "
            + dims + ", not " + shape[i];
      }
    }
    return null;
  }

  public ValueInfo withName(String newName) {
    return new ValueInfo(newName, dtype, dims, unsupportedType);
  }

  @Override
  public String toString() {
    if (unsupportedType != null) {
      return name + ": " + unsupportedType;
    }
    return name + ": " + (dtype == null ? "?" : dtype.onnxName()) + (dims == null ? "[?]" : dims.toString());
  }
}
