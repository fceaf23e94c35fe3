package io.edgewise.model;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operator application. Inputs and outputs are value names; an empty name marks an omitted optional
 * input or output, as in ONNX. Typed attribute getters fail with the node's name and the attribute's name.
 */
public final class Node {
  private final String name;
  private final String opType;
  private final String domain;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, Attribute> attributes;

  public Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
      Map<String, Attribute> attributes) {
    this.name = name == null ? "" : name;
    this.opType = opType;
    this.domain = domain == null || domain.equals("ai.onnx") ? "" : domain;
    this.inputs = new ArrayList<>(inputs);
    this.outputs = new ArrayList<>(outputs);
    this.attributes = new LinkedHashMap<>(attributes);
  }

  public Node(String name, String opType, List<String> inputs, List<String> outputs) {
    this(name, opType, "", inputs, outputs, Map.of());
  }

  public String name() {
    return name;
  }

  public String opType() {
    return opType;
  }

  /** "" for the default ONNX domain. */
  public String domain() {
    return domain;
  }

  /** Mutable, so that graph passes can rewire. */
  public List<String> inputs() {
    return inputs;
  }

  public List<String> outputs() {
    return outputs;
  }

  public Map<String, Attribute> attributes() {
    return attributes;
  }

  /** The i-th input name, or "" when the input is absent. */
  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }

  public boolean hasInput(int i) {
    return !input(i).isEmpty();
  }

  public String output(int i) {
    return i < outputs.size() ? outputs.get(i) : "";
  }

  public boolean hasOutput(int i) {
    return !output(i).isEmpty();
  }

  public boolean hasAttr(String attr) {
    return attributes.containsKey(attr);
  }

  public Attribute attr(String attr) {
    return attributes.get(attr);
  }

  public void setAttr(Attribute a) {
    attributes.put(a.name(), a);
  }

  public long attrInt(String attr, long defaultValue) {
    Attribute a = typed(attr, Attribute.Kind.INT);
    return a == null ? defaultValue : a.asInt();
  }

  public float attrFloat(String attr, float defaultValue) {
    Attribute a = typed(attr, Attribute.Kind.FLOAT);
    return a == null ? defaultValue : a.asFloat();
  }

  public String attrString(String attr, String defaultValue) {
    Attribute a = typed(attr, Attribute.Kind.STRING);
    return a == null ? defaultValue : a.asString();
  }

  /** The ints attribute, or defaultValue (may be null) when absent. */
  public long[] attrInts(String attr, long[] defaultValue) {
    Attribute a = typed(attr, Attribute.Kind.INTS);
    return a == null ? defaultValue : a.asInts();
  }

  public float[] attrFloats(String attr, float[] defaultValue) {
    Attribute a = typed(attr, Attribute.Kind.FLOATS);
    return a == null ? defaultValue : a.asFloats();
  }

  public List<String> attrStrings(String attr) {
    Attribute a = typed(attr, Attribute.Kind.STRINGS);
    return a == null ? Collections.emptyList() : a.asStrings();
  }

  private Attribute typed(String attr, Attribute.Kind kind) {
    Attribute a = attributes.get(attr);
    if (a != null && a.kind() != kind) {
      throw EdgewiseException.invalidModel(describe() + " attribute '" + attr + "' is " + a.kind() + ", expected "
          + kind);
    }
    return a;
  }

  /** The node's name, or its first output where it has none (exporters often leave names empty). */
  public String label() {
    return name.isEmpty() ? output(0) : name;
  }

  /** The op type, qualified by domain outside the default one ("io.edgewise.FusedConv"). */
  public String qualifiedOpType() {
    return domain.isEmpty() ? opType : domain + "." + opType;
  }

  /** "node 'name' (OpType)", for error messages. */
  public String describe() {
    return "node '" + label() + "' (" + qualifiedOpType() + ")";
  }

  @Override
  public String toString() {
    return describe() + " " + inputs + " -> " + outputs + (attributes.isEmpty() ? "" : " " + attributes.values());
  }
}
