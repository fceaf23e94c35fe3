package io.edgewise.model;

import io.edgewise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * A node attribute: one of ONNX's attribute kinds with its value. Tensor values are owned by the model that
 * holds the node (closed with it); graph values (If/Loop bodies) are kept as imported sub-graphs.
 */
public record Attribute(String name, Kind kind, Object value) {
  /** ONNX AttributeType, less the sparse and type-proto kinds which the importer refuses. */
  public enum Kind { INT, FLOAT, STRING, TENSOR, GRAPH, INTS, FLOATS, STRINGS, TENSORS, GRAPHS }

  public static Attribute ofInt(String name, long v) {
    return new Attribute(name, Kind.INT, v);
  }

  public static Attribute ofFloat(String name, float v) {
    return new Attribute(name, Kind.FLOAT, v);
  }

  public static Attribute ofString(String name, String v) {
    return new Attribute(name, Kind.STRING, v);
  }

  public static Attribute ofInts(String name, long... v) {
    return new Attribute(name, Kind.INTS, v.clone());
  }

  public static Attribute ofFloats(String name, float... v) {
    return new Attribute(name, Kind.FLOATS, v.clone());
  }

  public static Attribute ofStrings(String name, List<String> v) {
    return new Attribute(name, Kind.STRINGS, List.copyOf(v));
  }

  public static Attribute ofTensor(String name, Tensor v) {
    return new Attribute(name, Kind.TENSOR, v);
  }

  public long asInt() {
    return (Long) value;
  }

  public float asFloat() {
    return (Float) value;
  }

  public String asString() {
    return (String) value;
  }

  public long[] asInts() {
    return ((long[]) value).clone();
  }

  public float[] asFloats() {
    return ((float[]) value).clone();
  }

  @SuppressWarnings("unchecked")
  public List<String> asStrings() {
    return (List<String>) value;
  }

  public Tensor asTensor() {
    return (Tensor) value;
  }

  public Graph asGraph() {
    return (Graph) value;
  }

  @Override
  public String toString() {
    String v = switch (kind) {
      case INTS -> Arrays.toString((long[]) value);
      case FLOATS -> Arrays.toString((float[]) value);
      default -> String.valueOf(value);
    };
    return name + "=" + v;
  }
}
