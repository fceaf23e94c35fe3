package io.edgewise.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inlines model-local functions (ModelProto.functions) at import, so the rest of the runtime sees plain graphs.
 *
 * <p>Every node whose (domain, op_type, overload) names a local function is replaced by the function's body:
 * <ul>
 *   <li>formal inputs are renamed to the call's actual inputs (a formal input the call omits, or passes as "",
 *       becomes "", an absent optional input), formal outputs to the call's actual outputs;
 *   <li>every other value the body defines (node outputs, and the inputs and initializers of sub-graphs in its
 *       nodes' attributes) gets a fresh name unique in the model, so two calls of one function never collide;
 *   <li>an attribute that refers to one of the function's (attribute_proto {@code ref_attr_name}) takes the call
 *       node's attribute of that name, else the function's default (attribute_proto), else is left out, as ONNX
 *       specifies for an unset attribute without default;
 *   <li>calls inside the body (and inside sub-graphs, in the main graph or in a body) are inlined in turn, at most
 *       {@link #MAX_DEPTH} deep (a function that calls itself is refused), and the whole expansion is bounded by
 *       {@link #MAX_NODES} nodes.
 * </ul>
 * A malformed function or call (a duplicate definition, more actual inputs or outputs than the function declares, a
 * body node reading a value that is neither a formal input nor computed before it, a reference to an attribute the
 * function does not declare, a default-domain opset other than the model's) is an INVALID_MODEL error of one line
 * naming the function. Domains the functions import and the model does not are added to the model's imports.
 */
final class FunctionInliner {
  /** Deepest chain of calls inside calls that is expanded. */
  static final int MAX_DEPTH = 32;
  /** Most nodes the expansion may produce in all (a guard against exponential call trees). */
  static final int MAX_NODES = 1 << 20;

  private final Map<String, FunctionProto> functions = new LinkedHashMap<>();
  private final String label;
  private final Set<String> usedNames = new HashSet<>();
  private int counter;
  private int produced;

  private FunctionInliner(String label) {
    this.label = label;
  }

  /** The model with every call of a local function inlined; the model itself when it has no functions. */
  static ModelProto inline(ModelProto model, String label) {
    if (model.getFunctionsCount() == 0) {
      return model;
    }
    try {
      return inlineAll(model, label);
    } catch (EdgewiseException e) {
      throw e;
    } catch (RuntimeException e) {
      throw EdgewiseException.invalidModel(label + ": inlining model-local functions failed: " + e);
    }
  }

  private static ModelProto inlineAll(ModelProto model, String label) {
    FunctionInliner inliner = new FunctionInliner(label);
    Map<String, Long> modelOpsets = new LinkedHashMap<>();
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      modelOpsets.put(normalDomain(o.getDomain()), o.getVersion());
    }
    for (FunctionProto f : model.getFunctionsList()) {
      if (f.getName().isEmpty()) {
        throw EdgewiseException.invalidModel(label + ": a model-local function has an empty name");
      }
      if (inliner.functions.put(key(f.getDomain(), f.getName(), f.getOverload()), f) != null) {
        throw inliner.malformed(f, "it is defined twice");
      }
    }
    ModelProto.Builder out = model.toBuilder().clearFunctions();
    for (FunctionProto f : model.getFunctionsList()) {
      inliner.checkSignature(f);
      for (OperatorSetIdProto o : f.getOpsetImportList()) {
        String domain = normalDomain(o.getDomain());
        Long have = modelOpsets.get(domain);
        if (have == null) {
          modelOpsets.put(domain, o.getVersion());
          out.addOpsetImport(o);
        } else if (domain.isEmpty() && have != o.getVersion()) {
          throw inliner.malformed(f, "it imports default-domain opset " + o.getVersion() + " but the model imports "
              + have + " (a function's ops run at the model's opset)");
        }
      }
    }
    inliner.collectNames(model.getGraph());
    out.setGraph(inliner.graph(model.getGraph(), 0));
    return out.build();
  }

  private static String normalDomain(String domain) {
    return domain.equals("ai.onnx") ? "" : domain;
  }

  private static String key(String domain, String name, String overload) {
    return normalDomain(domain) + "\u0000" + name + "\u0000" + overload;
  }

  private static String describe(FunctionProto f) {
    String domain = normalDomain(f.getDomain());
    return (domain.isEmpty() ? "" : domain + ".") + f.getName()
        + (f.getOverload().isEmpty() ? "" : " (overload '" + f.getOverload() + "')");
  }

  private EdgewiseException malformed(FunctionProto f, String why) {
    return EdgewiseException.invalidModel(label + ": model-local function '" + describe(f) + "' is malformed: " + why);
  }

  /** Formal names unique and non-empty; body nodes read only formal inputs or values computed before them. */
  private void checkSignature(FunctionProto f) {
    Set<String> defined = new HashSet<>();
    for (String in : f.getInputList()) {
      if (in.isEmpty() || !defined.add(in)) {
        throw malformed(f, "input '" + in + "' is empty or declared twice");
      }
    }
    Set<String> attrs = declaredAttributes(f);
    for (int i = 0; i < f.getNodeCount(); i++) {
      NodeProto n = f.getNode(i);
      for (String in : n.getInputList()) {
        if (!in.isEmpty() && !defined.contains(in)) {
          throw malformed(f, "node[" + i + "] (" + n.getOpType() + ") reads '" + in + "', which is neither an input "
              + "of the function nor computed before it");
        }
      }
      for (String o : n.getOutputList()) {
        if (!o.isEmpty() && !defined.add(o)) {
          throw malformed(f, "node[" + i + "] (" + n.getOpType() + ") defines '" + o + "', which is already defined");
        }
      }
      for (AttributeProto a : n.getAttributeList()) {
        checkReferences(f, a, attrs);
      }
    }
    Set<String> outs = new HashSet<>();
    for (String o : f.getOutputList()) {
      if (o.isEmpty() || !outs.add(o)) {
        throw malformed(f, "output '" + o + "' is empty or declared twice");
      }
      if (!defined.contains(o)) {
        throw malformed(f, "output '" + o + "' is computed by no node of its body");
      }
    }
  }

  private static Set<String> declaredAttributes(FunctionProto f) {
    Set<String> attrs = new HashSet<>(f.getAttributeList());
    for (AttributeProto a : f.getAttributeProtoList()) {
      attrs.add(a.getName());
    }
    return attrs;
  }

  private void checkReferences(FunctionProto f, AttributeProto a, Set<String> attrs) {
    if (!a.getRefAttrName().isEmpty() && !attrs.contains(a.getRefAttrName())) {
      throw malformed(f, "attribute '" + a.getName() + "' refers to attribute '" + a.getRefAttrName() + "', which "
          + "the function does not declare");
    }
    List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
    if (a.hasG()) {
      graphs.add(a.getG());
    }
    for (GraphProto g : graphs) {
      for (NodeProto n : g.getNodeList()) {
        for (AttributeProto inner : n.getAttributeList()) {
          checkReferences(f, inner, attrs);
        }
      }
    }
  }

  /** Every name the main graph (and its sub-graphs) uses, so fresh names never collide with them. */
  private void collectNames(GraphProto g) {
    for (ValueInfoProto v : g.getInputList()) {
      usedNames.add(v.getName());
    }
    for (ValueInfoProto v : g.getOutputList()) {
      usedNames.add(v.getName());
    }
    for (TensorProto t : g.getInitializerList()) {
      usedNames.add(t.getName());
    }
    for (NodeProto n : g.getNodeList()) {
      usedNames.addAll(n.getInputList());
      usedNames.addAll(n.getOutputList());
      for (AttributeProto a : n.getAttributeList()) {
        if (a.hasG()) {
          collectNames(a.getG());
        }
        a.getGraphsList().forEach(this::collectNames);
      }
    }
  }

  private String fresh(String function, String name) {
    String candidate;
    do {
      candidate = function + "__" + (counter++) + "/" + name;
    } while (!usedNames.add(candidate));
    return candidate;
  }

  /** A graph of the model (main or sub-graph) with its calls inlined; names stay as they are. */
  private GraphProto graph(GraphProto g, int depth) {
    if (!hasCalls(g)) {
      return g;
    }
    GraphProto.Builder b = g.toBuilder().clearNode();
    for (NodeProto n : g.getNodeList()) {
      emit(withInlinedSubgraphs(n, depth), b, depth);
    }
    return b.build();
  }

  private boolean hasCalls(GraphProto g) {
    for (NodeProto n : g.getNodeList()) {
      if (functions.containsKey(key(n.getDomain(), n.getOpType(), n.getOverload()))) {
        return true;
      }
      for (AttributeProto a : n.getAttributeList()) {
        if ((a.hasG() && hasCalls(a.getG())) || a.getGraphsList().stream().anyMatch(this::hasCalls)) {
          return true;
        }
      }
    }
    return false;
  }

  private NodeProto withInlinedSubgraphs(NodeProto n, int depth) {
    boolean any = false;
    for (AttributeProto a : n.getAttributeList()) {
      any |= a.hasG() || a.getGraphsCount() > 0;
    }
    if (!any) {
      return n;
    }
    NodeProto.Builder nb = n.toBuilder().clearAttribute();
    for (AttributeProto a : n.getAttributeList()) {
      AttributeProto.Builder ab = a.toBuilder();
      if (a.hasG()) {
        ab.setG(graph(a.getG(), depth));
      }
      ab.clearGraphs();
      for (GraphProto sub : a.getGraphsList()) {
        ab.addGraphs(graph(sub, depth));
      }
      nb.addAttribute(ab);
    }
    return nb.build();
  }

  /** Adds the node to the graph, or the inlined body when it calls a local function. */
  private void emit(NodeProto n, GraphProto.Builder out, int depth) {
    FunctionProto f = functions.get(key(n.getDomain(), n.getOpType(), n.getOverload()));
    if (f == null) {
      if (++produced > MAX_NODES) {
        throw EdgewiseException.invalidModel(label + ": inlining model-local functions gives more than " + MAX_NODES
            + " nodes");
      }
      out.addNode(n);
      return;
    }
    if (depth >= MAX_DEPTH) {
      throw malformed(f, "calls nest deeper than " + MAX_DEPTH + " (a function that calls itself?)");
    }
    if (n.getInputCount() > f.getInputCount()) {
      throw malformed(f, "node '" + n.getName() + "' calls it with " + n.getInputCount() + " inputs; it declares "
          + f.getInputCount());
    }
    if (n.getOutputCount() > f.getOutputCount()) {
      throw malformed(f, "node '" + n.getName() + "' calls it with " + n.getOutputCount() + " outputs; it declares "
          + f.getOutputCount());
    }
    Map<String, String> names = new HashMap<>();
    for (int i = 0; i < f.getInputCount(); i++) {
      names.put(f.getInput(i), i < n.getInputCount() ? n.getInput(i) : "");
    }
    for (int i = 0; i < f.getOutputCount(); i++) {
      String actual = i < n.getOutputCount() ? n.getOutput(i) : "";
      names.put(f.getOutput(i), actual.isEmpty() ? fresh(f.getName(), f.getOutput(i)) : actual);
    }
    Map<String, AttributeProto> attrs = new HashMap<>();
    for (AttributeProto a : f.getAttributeProtoList()) {
      attrs.put(a.getName(), a);
    }
    Set<String> declared = declaredAttributes(f);
    for (AttributeProto a : n.getAttributeList()) {
      if (!declared.contains(a.getName())) {
        throw malformed(f, "node '" + n.getName() + "' sets attribute '" + a.getName() + "', which the function "
            + "does not declare");
      }
      attrs.put(a.getName(), a);
    }
    for (NodeProto body : f.getNodeList()) {
      NodeProto renamed = rename(body, f, names, attrs);
      emit(withInlinedSubgraphs(renamed, depth + 1), out, depth + 1);
    }
  }

  /** A body node with its values renamed (defining fresh names for its outputs) and attribute references bound. */
  private NodeProto rename(NodeProto body, FunctionProto f, Map<String, String> names,
      Map<String, AttributeProto> attrs) {
    NodeProto.Builder b = body.toBuilder().clearInput().clearOutput().clearAttribute();
    for (String in : body.getInputList()) {
      b.addInput(in.isEmpty() ? "" : names.getOrDefault(in, in));
    }
    for (String o : body.getOutputList()) {
      b.addOutput(o.isEmpty() ? "" : names.computeIfAbsent(o, k -> fresh(f.getName(), k)));
    }
    if (!body.getName().isEmpty()) {
      b.setName(fresh(f.getName(), body.getName()));
    }
    for (AttributeProto a : body.getAttributeList()) {
      AttributeProto bound = bind(a, f, names, attrs);
      if (bound != null) {
        b.addAttribute(bound);
      }
    }
    return b.build();
  }

  /** The attribute with a reference resolved (null: unset, no default) and its sub-graphs renamed. */
  private AttributeProto bind(AttributeProto a, FunctionProto f, Map<String, String> names,
      Map<String, AttributeProto> attrs) {
    if (!a.getRefAttrName().isEmpty()) {
      AttributeProto value = attrs.get(a.getRefAttrName());
      if (value == null) {
        return null;
      }
      if (a.getType() != AttributeProto.AttributeType.UNDEFINED
          && value.getType() != AttributeProto.AttributeType.UNDEFINED && a.getType() != value.getType()) {
        throw malformed(f, "attribute '" + a.getName() + "' is of type " + a.getType() + " but the attribute '"
            + a.getRefAttrName() + "' it refers to is " + value.getType());
      }
      return value.toBuilder().setName(a.getName()).build();
    }
    if (!a.hasG() && a.getGraphsCount() == 0) {
      return a;
    }
    AttributeProto.Builder b = a.toBuilder();
    if (a.hasG()) {
      b.setG(renameGraph(a.getG(), f, names, attrs));
    }
    b.clearGraphs();
    for (GraphProto g : a.getGraphsList()) {
      b.addGraphs(renameGraph(g, f, names, attrs));
    }
    return b.build();
  }

  /** A sub-graph of a body node: its own values get fresh names, outer-scope reads follow the body's renaming. */
  private GraphProto renameGraph(GraphProto g, FunctionProto f, Map<String, String> names,
      Map<String, AttributeProto> attrs) {
    GraphProto.Builder b = g.toBuilder().clearInput().clearOutput().clearInitializer().clearNode().clearValueInfo();
    for (TensorProto t : g.getInitializerList()) {
      b.addInitializer(t.toBuilder().setName(names.computeIfAbsent(t.getName(), k -> fresh(f.getName(), k))));
    }
    for (ValueInfoProto v : g.getInputList()) {
      b.addInput(v.toBuilder().setName(names.computeIfAbsent(v.getName(), k -> fresh(f.getName(), k))));
    }
    for (NodeProto n : g.getNodeList()) {
      b.addNode(rename(n, f, names, attrs));
    }
    for (ValueInfoProto v : g.getOutputList()) {
      b.addOutput(v.toBuilder().setName(names.getOrDefault(v.getName(), v.getName())));
    }
    for (ValueInfoProto v : g.getValueInfoList()) {
      if (names.containsKey(v.getName())) {
        b.addValueInfo(v.toBuilder().setName(names.get(v.getName())));
      }
    }
    return b.build();
  }
}
