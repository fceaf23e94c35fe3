package io.edgewise.serve.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LinearBandit;
import io.edgewise.adapt.ModelSelector;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.ConvFlops;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model group served under time budgets (docs/selection.md): variants of one model (same inputs and outputs,
 * different speed and accuracy) behind one name, each request answered by the variant {@link BudgetedGroup} picks
 * from its budget and the latencies this server measured. Its config.json:
 *
 * <pre>{@code
 * {"pipeline": "group", "time_budget_ms": 250, "gamma": 1, "device": "cpu", "threads": 1, "profile_runs": 10,
 *  "variants": [{"name": "float", "model": "float.onnx", "accuracy": 0.9823},
 *               {"name": "pruned50", "model": "pruned50.onnx", "accuracy": 0.9667, "device": "ref"}]}
 * }</pre>
 *
 * The model files are found as {@link PipelineConfig} says (the group's directory first); accuracy is the variant's
 * measured accuracy on the group's evaluation data (the bench commands measure it when they build the variants).
 * Each variant runs on the group's device unless it names its own; a variant is one model on one device, so a model
 * listed twice on two devices has statistics per device. When every input's shape is fixed, each variant runs
 * {@code profile_runs} times on zeros at load (after two warm-up runs) to seed its statistics; every request then adds
 * its run. The group also keeps a {@link ModelSelector} (LinUCB) that learns from users' QoE sent to
 * {@code POST /v2/models/{group}/feedback}; it lives as long as the group stays loaded.
 */
public final class ServedGroup implements ServedPipeline {
  static final String KIND = "group";
  static final double DEFAULT_BUDGET_MS = 1000;
  static final int DEFAULT_PROFILE_RUNS = 10;
  /** LinUCB's exploration weight, as in docs/selection.md's example. */
  static final double SELECTOR_ALPHA = 0.3;
  private static final Set<String> KEYS = Set.of("variants", "time_budget_ms", "gamma", "profile_runs");
  private static final Set<String> VARIANT_KEYS = Set.of("name", "model", "accuracy", "device");
  private static final Logger LOG = LoggerFactory.getLogger(ServedGroup.class);

  private final BudgetedGroup group;
  private final double defaultBudgetMs;
  private final List<Double> flops;
  private final List<Long> weightBytes;
  private ModelSelector selector;
  private long feedbackCount;

  private ServedGroup(BudgetedGroup group, double defaultBudgetMs, List<Double> flops, List<Long> weightBytes) {
    this.group = group;
    this.defaultBudgetMs = defaultBudgetMs;
    this.flops = flops;
    this.weightBytes = weightBytes;
  }

  static ServedGroup open(Path root, Path config, ObjectNode node, SessionOptions defaults) {
    PipelineConfig.checkKeys(node, KEYS, config);
    SessionOptions session = PipelineConfig.sessionOptions(node, config, defaults);
    double budget = positiveNumber(node, "time_budget_ms", DEFAULT_BUDGET_MS, config);
    double gamma = node.has("gamma") ? positiveNumber(node, "gamma", 1, config, true) : 1;
    JsonNode pr = node.get("profile_runs");
    if (pr != null && (!pr.isIntegralNumber() || pr.asLong() < 0 || pr.asLong() > 10_000)) {
      throw EdgewiseException.invalidArgument(config + ": \"profile_runs\" must be an integer in [0, 10000]");
    }
    long runs = pr == null ? DEFAULT_PROFILE_RUNS : pr.asLong();
    JsonNode variants = node.get("variants");
    if (variants == null || !variants.isArray() || variants.isEmpty()) {
      throw EdgewiseException.invalidArgument(config + ": \"variants\" must be a non-empty array of {\"name\", "
          + "\"model\", \"accuracy\"[, \"device\"]}");
    }
    List<BudgetedGroup.Member> members = new ArrayList<>();
    List<Double> flops = new ArrayList<>();
    List<Long> bytes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    try {
      for (int i = 0; i < variants.size(); i++) {
        JsonNode v = variants.get(i);
        String where = "variants[" + i + "]";
        if (!v.isObject()) {
          throw EdgewiseException.invalidArgument(config + ": " + where + " must be a JSON object");
        }
        for (var it = v.fieldNames(); it.hasNext(); ) {
          String key = it.next();
          if (!VARIANT_KEYS.contains(key)) {
            throw EdgewiseException.invalidArgument(config + ": " + where + ": unknown key \"" + key + "\" (known: "
                + VARIANT_KEYS.stream().sorted().toList() + ")");
          }
        }
        JsonNode n = v.get("name");
        if (n == null || !n.isTextual() || !ModelRepository.NAME.matcher(n.asText()).matches()) {
          throw EdgewiseException.invalidArgument(config + ": " + where + ": \"name\" must be a plain name ("
              + ModelRepository.NAME.pattern() + ")");
        }
        String name = n.asText();
        if (!names.add(name)) {
          throw EdgewiseException.invalidArgument(config + ": " + where + ": the variant name " + name
              + " is used twice");
        }
        JsonNode a = v.get("accuracy");
        if (a == null || !a.isNumber() || !(a.asDouble() >= 0 && a.asDouble() <= 1)) {
          throw EdgewiseException.invalidArgument(config + ": " + where + " (" + name + "): \"accuracy\" must be a "
              + "number in [0, 1] (its measured accuracy on the group's evaluation data)");
        }
        SessionOptions options = session;
        if (v.has("device")) {
          if (!v.get("device").isTextual()) {
            throw EdgewiseException.invalidArgument(config + ": " + where + ": \"device\" must be a string");
          }
          options = session.withDevice(v.get("device").asText());
        }
        String file = PipelineConfig.fileKey(v, "model", config);
        PipelineConfig.Found f = PipelineConfig.read(root, config, where + ".model", file,
            OnnxImporter.MAX_MODEL_BYTES);
        Model model = OnnxImporter.load(f.bytes(), f.path());
        flops.add((double) ConvFlops.of(model).values().stream().mapToLong(Long::longValue).sum());
        bytes.add(model.graph().initializers().values().stream().mapToLong(t -> t.size() * t.dtype().byteSize())
            .sum());
        Session s = Session.open(model, options);
        members.add(new BudgetedGroup.Member(name, s, a.asDouble()));
        if (!members.get(0).session().inputs().stream().map(ValueInfo::name).toList()
            .equals(s.inputs().stream().map(ValueInfo::name).toList())) {
          throw EdgewiseException.invalidArgument(config + ": " + where + " (" + name + ") has inputs "
              + s.inputs().stream().map(ValueInfo::name).toList() + ", the first variant "
              + members.get(0).session().inputs().stream().map(ValueInfo::name).toList()
              + ": a group's variants must take the same inputs");
        }
      }
    } catch (RuntimeException e) {
      members.forEach(m -> m.session().close());
      throw e;
    }
    BudgetedGroup group = new BudgetedGroup(config.getParent().getFileName().toString(), members, gamma);
    try {
      for (BudgetedGroup.Member m : members) {
        double[] ms = profile(m.session(), (int) runs);
        for (double x : ms) {
          group.profile(m.name(), x);
        }
        LOG.info("{}: variant {} on {}: {} profile runs", config, m.name(), m.session().deviceName(), ms.length);
      }
    } catch (RuntimeException e) {
      group.close();
      throw e;
    }
    return new ServedGroup(group, budget, flops, bytes);
  }

  /**
   * Times {@code runs} runs of the session on zeros after two warm-up runs (Triton's warm-up, also the load's): the
   * statistics' first points. None when an input's shape is not fixed (the first requests measure it then).
   */
  private static double[] profile(Session session, int runs) {
    Map<String, Tensor> inputs = ZeroInputs.of(session);
    if (inputs == null) {
      return new double[0];
    }
    try {
      double[] ms = new double[runs];
      for (int r = -2; r < runs; r++) {
        long t0 = System.nanoTime();
        session.run(inputs).values().forEach(Tensor::close);
        if (r >= 0) {
          ms[r] = (System.nanoTime() - t0) / 1e6;
        }
      }
      return ms;
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  private static double positiveNumber(JsonNode node, String key, double defaultValue, Path config) {
    return positiveNumber(node, key, defaultValue, config, false);
  }

  private static double positiveNumber(JsonNode node, String key, double defaultValue, Path config,
      boolean zeroAllowed) {
    JsonNode v = node.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < 0 || (!zeroAllowed && v.asDouble() == 0)) {
      throw EdgewiseException.invalidArgument(config + ": \"" + key + "\" must be a number " + (zeroAllowed ? ">= 0"
          : "> 0"));
    }
    return v.asDouble();
  }

  /** The group's variants and their measured statistics. */
  public BudgetedGroup group() {
    return group;
  }

  /** The budget of a request that names none (config "time_budget_ms"). */
  public double defaultBudgetMs() {
    return defaultBudgetMs;
  }

  /** The first variant's inputs (every variant takes the same). */
  public List<ValueInfo> inputs() {
    return group.members().get(0).session().inputs();
  }

  public List<ValueInfo> outputs() {
    return group.members().get(0).session().outputs();
  }

  /** The output names every variant shares; requests may ask for these. */
  public List<String> outputNames() {
    return outputs().stream().map(ValueInfo::name).toList();
  }

  /** What a feedback taught: the observations so far and the variant the selector picks now for that context. */
  public record Learned(long observations, String choice, double estimatedLatencyMs) {}

  /**
   * One user's QoE of an answer of {@code variant} (see {@link io.edgewise.adapt.Qoe}), with the requesting device
   * and the user's latency tolerance as the context; the selector learns from it and says what it would pick now.
   */
  public synchronized Learned feedback(String variant, double qoe, ModelSelector.Device device, double toleranceMs) {
    int v = indexOf(variant);
    if (!Double.isFinite(qoe)) {
      throw EdgewiseException.invalidArgument("feedback: \"qoe\" must be a finite number, got " + qoe);
    }
    ModelSelector s = selector();
    double[] x = s.features(device, toleranceMs, v);
    s.feedback(new ModelSelector.Choice(v, s.estimatedLatencyMs(device, v), x), qoe);
    feedbackCount++;
    ModelSelector.Choice next = s.choose(device, toleranceMs);
    return new Learned(feedbackCount, s.variants().get(next.variant()).name(), next.estimatedLatencyMs());
  }

  /** The selector, made on the first feedback from the latencies measured by then (each variant's mean here). */
  private ModelSelector selector() {
    if (selector == null) {
      List<ModelSelector.Variant> vs = new ArrayList<>();
      var stats = group.stats();
      for (int i = 0; i < stats.size(); i++) {
        vs.add(new ModelSelector.Variant(stats.get(i).name(), flops.get(i), weightBytes.get(i),
            stats.get(i).accuracy(), Math.max(1e-3, stats.get(i).meanMs())));
      }
      selector = new ModelSelector(vs, LinearBandit.linUcb(ModelSelector.dimension(), SELECTOR_ALPHA));
    }
    return selector;
  }

  /** The index of a variant by name; an unknown name is an INVALID_ARGUMENT listing the group's variants. */
  public int indexOf(String variant) {
    return group.indexOf(variant);
  }

  @Override
  public String platform() {
    return "edgewise_group";
  }

  @Override
  public String deviceName() {
    return group.members().get(0).session().deviceName();
  }

  /** The first input as a port (the metadata lists them all, from {@link #inputs()}). */
  @Override
  public Port input() {
    return port(inputs().get(0));
  }

  @Override
  public Port output() {
    return port(outputs().get(0));
  }

  private static Port port(ValueInfo v) {
    List<Long> shape = new ArrayList<>();
    if (v.hasRank()) {
      v.dims().forEach(d -> shape.add(d.isKnown() ? d.value() : -1L));
    } else {
      shape.add(-1L);
    }
    return new Port(v.name(), v.isSupported() ? v.dtype().name() : v.unsupportedType(), shape);
  }

  /** A group takes numeric tensors: its requests go to {@link BudgetedGroup#infer}, never here. */
  @Override
  public List<byte[]> run(List<byte[]> elements, String where) {
    throw EdgewiseException.invalidArgument(where + " is BYTES; model group " + group.name() + " takes numeric "
        + "tensors (its inputs are " + inputs().stream().map(ValueInfo::name).toList() + ")");
  }

  @Override
  public void close() {
    group.close();
  }
}
