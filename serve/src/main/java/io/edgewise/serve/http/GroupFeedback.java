package io.edgewise.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.edgewise.adapt.ModelSelector;
import io.edgewise.adapt.Qoe;
import io.edgewise.serve.common.ServedGroup;
import io.edgewise.serve.common.ServedModel;
import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v2/models/{group}/feedback}: a user's quality of experience of one answer of a model group, fed to the
 * group's {@link ModelSelector}. The body names the variant that answered and either the QoE itself or what it is
 * computed from ({@link Qoe}: accuracy less a penalty for latency beyond the user's tolerance):
 *
 * <pre>{@code
 * {"variant": "pruned50", "qoe": 0.8}
 * {"variant": "pruned50", "correct": true, "latency_ms": 130, "tolerance_ms": 100}
 * {"variant": "pruned50", "accuracy": 0.9, "latency_ms": 130, "tolerance_ms": 100, "penalty": 0.5,
 *  "device": {"speed_factor": 0.5, "memory_bytes": 8388608, "threads": 4}}
 * }</pre>
 *
 * The context is the requesting device (default: this server's speed, no memory limit, one thread) and the user's
 * tolerance (default: the group's time_budget_ms). The answer: {@code {"model_name", "variant", "qoe",
 * "observations", "choice", "choice_estimated_latency_ms"}}, choice being the variant the selector picks now for that
 * context. Every fault is a 400 naming the field.
 */
final class GroupFeedback {
  /** The most a body may hold; feedback is a few numbers. */
  static final int MAX_BYTES = 16 * 1024;
  private static final Set<String> KEYS = Set.of("variant", "qoe", "correct", "accuracy", "latency_ms",
      "tolerance_ms", "penalty", "device");
  private static final Set<String> DEVICE_KEYS = Set.of("speed_factor", "memory_bytes", "threads");
  private static final double DEFAULT_PENALTY = 0.5;

  /** A parsed feedback; tolerance NaN for the group's default, qoe NaN when it is computed from the rest. */
  record Request(String variant, double qoe, double accuracy, double latencyMs, double toleranceMs, double penalty,
      ModelSelector.Device device) {}

  private GroupFeedback() {}

  static Request parse(ByteBuf body) {
    if (body.readableBytes() > MAX_BYTES) {
      throw EdgewiseException.invalidArgument("the feedback body has " + body.readableBytes() + " bytes; at most "
          + MAX_BYTES);
    }
    JsonNode root = V2Json.readObject(body.nioBuffer(), "the feedback");
    for (var it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw EdgewiseException.invalidArgument("the feedback: unknown key \"" + V2Datatype.clip(key) + "\" (known: "
            + KEYS.stream().sorted().toList() + ")");
      }
    }
    JsonNode v = root.get("variant");
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw EdgewiseException.invalidArgument("the feedback: \"variant\" must name the variant that answered");
    }
    double qoe = Double.NaN;
    double accuracy = Double.NaN;
    double latency = Double.NaN;
    if (root.has("qoe")) {
      if (root.has("correct") || root.has("accuracy") || root.has("latency_ms") || root.has("penalty")) {
        throw EdgewiseException.invalidArgument("the feedback: give either \"qoe\" or \"correct\"/\"accuracy\" with "
            + "\"latency_ms\", not both");
      }
      qoe = number(root, "qoe", -1e6, 1e6);
    } else {
      if (root.has("correct") == root.has("accuracy")) {
        throw EdgewiseException.invalidArgument("the feedback: needs \"qoe\", or \"correct\" (true/false) or "
            + "\"accuracy\" (0 to 1) with \"latency_ms\"");
      }
      if (root.has("correct")) {
        if (!root.get("correct").isBoolean()) {
          throw EdgewiseException.invalidArgument("the feedback: \"correct\" must be true or false");
        }
        accuracy = root.get("correct").asBoolean() ? 1 : 0;
      } else {
        accuracy = number(root, "accuracy", 0, 1);
      }
      if (!root.has("latency_ms")) {
        throw EdgewiseException.invalidArgument("the feedback: \"latency_ms\" (the answer's latency as the user saw "
            + "it) is missing");
      }
      latency = number(root, "latency_ms", 0, GroupInference.MAX_BUDGET_MS);
    }
    double tolerance = root.has("tolerance_ms") ? number(root, "tolerance_ms", 1e-3, GroupInference.MAX_BUDGET_MS)
        : Double.NaN;
    double penalty = root.has("penalty") ? number(root, "penalty", 0, 1e6) : DEFAULT_PENALTY;
    ModelSelector.Device device = new ModelSelector.Device(1, Long.MAX_VALUE, 1);
    JsonNode d = root.get("device");
    if (d != null) {
      if (!d.isObject()) {
        throw EdgewiseException.invalidArgument("the feedback: \"device\" must be a JSON object of "
            + DEVICE_KEYS.stream().sorted().toList());
      }
      for (var it = d.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!DEVICE_KEYS.contains(key)) {
          throw EdgewiseException.invalidArgument("the feedback: unknown key \"device." + V2Datatype.clip(key)
              + "\" (known: " + DEVICE_KEYS.stream().sorted().toList() + ")");
        }
      }
      double speed = d.has("speed_factor") ? number(d, "speed_factor", 1e-6, 1e6) : 1;
      double memory = d.has("memory_bytes") ? number(d, "memory_bytes", 0, Long.MAX_VALUE) : Long.MAX_VALUE;
      double threads = d.has("threads") ? number(d, "threads", 1, 1 << 16) : 1;
      if (speed == 0 || threads != Math.rint(threads) || memory != Math.rint(memory)) {
        throw EdgewiseException.invalidArgument("the feedback: \"device\" needs speed_factor > 0 and whole "
            + "memory_bytes and threads");
      }
      device = new ModelSelector.Device(speed, (long) memory, (int) threads);
    }
    return new Request(v.asText(), qoe, accuracy, latency, tolerance, penalty, device);
  }

  private static double number(JsonNode node, String key, double min, double max) {
    JsonNode v = node.get(key);
    if (v == null || !v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
      throw EdgewiseException.invalidArgument("the feedback: \"" + key + "\" must be a number in [" + fmt(min) + ", "
          + fmt(max) + "]");
    }
    return v.asDouble();
  }

  private static String fmt(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e18 ? Long.toString((long) x) : Double.toString(x);
  }

  /** Feeds the feedback to the group's selector; the model must be a group. */
  static Map<String, Object> apply(ServedModel model, Request f) {
    if (!(model.pipeline() instanceof ServedGroup g)) {
      throw EdgewiseException.invalidArgument("model " + model.name() + " is not a model group; feedback is taken by "
          + "groups only (a config.json with \"pipeline\": \"group\")");
    }
    g.indexOf(f.variant());
    double tolerance = Double.isNaN(f.toleranceMs()) ? g.defaultBudgetMs() : f.toleranceMs();
    double qoe = !Double.isNaN(f.qoe()) ? f.qoe() : new Qoe(f.penalty()).of(f.accuracy(), f.latencyMs(), tolerance);
    ServedGroup.Learned l = g.feedback(f.variant(), qoe, f.device(), tolerance);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model_name", model.name());
    out.put("variant", f.variant());
    out.put("qoe", qoe);
    out.put("observations", l.observations());
    out.put("choice", l.choice());
    out.put("choice_estimated_latency_ms", l.estimatedLatencyMs());
    return out;
  }
}
