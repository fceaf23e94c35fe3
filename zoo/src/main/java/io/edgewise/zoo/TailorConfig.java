package io.edgewise.zoo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A tailoring config (YAML): the base models, their data and metric, the targets, the requests (each a named list of
 * transforms) and where variants and the index go. Paths are relative to the working directory, as on the command
 * line. Every error names the file and the field, in one line. The layout is documented in docs/zoo.md.
 *
 * @param models the base models
 * @param data the default data section (calibration, evaluation, metric), read by the metric's evaluator
 * @param requests every (model, request) pair is one variant; "float" (the base itself) is always measured
 * @param output directory the variants' ONNX files are written to
 * @param index the model index directory, or null for none
 */
public record TailorConfig(Path file, String name, List<BaseModel> models, List<Target> targets,
    List<Request> requests, Path output, Path index, int warmup, int runs) {

  /** A base model: its name (the index key), file, data section and metric. */
  public record BaseModel(String name, Path file, ConfigNode data, String metric) {}

  /** A named recipe applied to one model (or, with {@code model} null, to every model). */
  public record Request(String name, String model, List<Transform> transforms) {
    public boolean appliesTo(String base) {
      return model == null || model.equals(base);
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public static TailorConfig load(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "tailoring config " + file + " does not exist");
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read tailoring config " + file + ": " + e.getMessage(), e);
    }
    JsonNode root;
    try {
      root = YAML.readTree(bytes);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw EdgewiseException.invalidArgument(file + ": not valid YAML" + where + ": "
          + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read tailoring config " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw EdgewiseException.invalidArgument(file + ": a tailoring config is a YAML mapping (name, models, data, "
          + "targets, requests)");
    }
    return parse(new ConfigNode(root, "", file));
  }

  static TailorConfig parse(ConfigNode root) {
    root.onlyFields("name", "models", "data", "targets", "requests", "output", "index", "profile");
    String name = root.text("name", root.file().getFileName().toString().replaceFirst("\\.ya?ml$", ""));
    ConfigNode data = root.get("data");
    List<BaseModel> models = new ArrayList<>();
    Set<String> modelNames = new LinkedHashSet<>();
    List<ConfigNode> modelNodes = root.required("models").list();
    if (modelNodes.isEmpty()) {
      throw root.get("models").error("must list at least one base model");
    }
    for (ConfigNode m : modelNodes) {
      m.onlyFields("name", "file", "data");
      Path f = m.required("file").pathValue();
      if (!Files.isRegularFile(f)) {
        throw m.get("file").error("no model file " + f);
      }
      String n = m.text("name", f.getFileName().toString().replaceFirst("\\.onnx$", ""));
      if (!modelNames.add(n)) {
        throw m.get("name").error("model name '" + n + "' is used twice");
      }
      ConfigNode d = m.get("data").isMissing() ? data : m.get("data");
      if (d.isMissing()) {
        throw d.error("is required (calibration, evaluation, metric), here or at the top level");
      }
      // the rest of the data section belongs to the metric's evaluator, which checks its own fields
      models.add(new BaseModel(n, f, d, d.required("metric").text()));
    }
    List<Target> targets = new ArrayList<>();
    List<ConfigNode> targetNodes = root.required("targets").list();
    if (targetNodes.isEmpty()) {
      throw root.get("targets").error("must list at least one device/threads target (e.g. cpu/1)");
    }
    for (ConfigNode t : targetNodes) {
      Target target = Target.parse(t.text());
      if (target == null) {
        throw t.error("'" + t.text() + "' is not DEVICE or DEVICE/THREADS (e.g. cpu/2)");
      }
      if (!targets.contains(target)) {
        targets.add(target);
      }
    }
    List<Request> requests = new ArrayList<>();
    Set<String> requestNames = new LinkedHashSet<>();
    for (ConfigNode r : root.required("requests").list()) {
      r.onlyFields("name", "model", "transforms");
      String rn = r.required("name").text();
      if (rn.equals("float") || !rn.matches("[A-Za-z0-9._-]+")) {
        throw r.get("name").error("'" + rn + "' must be letters, digits, '.', '_' or '-' and not 'float' (the base "
            + "itself)");
      }
      String model = r.text("model", null);
      if (model != null && !modelNames.contains(model)) {
        throw r.get("model").error("no base model named '" + model + "' (models: " + modelNames + ")");
      }
      if (!requestNames.add(model + "/" + rn)) {
        throw r.get("name").error("request name '" + rn + "' is used twice");
      }
      List<Transform> transforms = new ArrayList<>();
      for (ConfigNode t : r.required("transforms").list()) {
        transforms.add(transform(t));
      }
      if (transforms.isEmpty()) {
        throw r.get("transforms").error("must list at least one transform (quantize, fp16, prune)");
      }
      requests.add(new Request(rn, model, List.copyOf(transforms)));
    }
    ConfigNode profile = root.get("profile");
    int warmup = 3;
    int runs = 30;
    if (!profile.isMissing()) {
      profile.onlyFields("warmup", "runs");
      warmup = profile.integer("warmup", warmup, 0, 10_000);
      runs = profile.integer("runs", runs, 1, 100_000);
    }
    Path output = Path.of(root.text("output", "target/zoo/" + name));
    String index = root.text("index", null);
    return new TailorConfig(root.file(), name, List.copyOf(models), List.copyOf(targets), List.copyOf(requests),
        output, index == null ? null : Path.of(index), warmup, runs);
  }

  /** One transform: a mapping with one key (quantize, fp16, prune) whose value holds its options. */
  static Transform transform(ConfigNode t) {
    List<String> keys = t.fieldNames();
    if (keys.size() != 1) {
      throw t.error("a transform is a mapping with one key: quantize, fp16 or prune");
    }
    String kind = keys.get(0);
    ConfigNode o = t.get(kind);
    boolean noOptions = o.isMissing() || (o.json().isBoolean() && o.json().asBoolean())
        || (o.json().isTextual() && !kind.equals("quantize"));
    switch (kind) {
      case "quantize" -> {
        if (o.json() != null && o.json().isTextual()) {
          if (!o.json().asText().equals("int8")) {
            throw o.error("only int8 quantization is supported, got '" + o.json().asText() + "'");
          }
          return new Transform.Quantize("minmax", 99.99, false);
        }
        if (!o.isMissing()) {
          o.onlyFields("calibration", "percentile", "activations");
        }
        String cal = o.isMissing() ? "minmax" : o.text("calibration", "minmax");
        if (!List.of("minmax", "percentile", "entropy").contains(cal)) {
          throw o.get("calibration").error("'" + cal + "' is not minmax, percentile or entropy");
        }
        double pct = o.isMissing() ? 99.99 : o.number("percentile", 99.99, 50, 100);
        String act = o.isMissing() ? "uint8" : o.text("activations", "uint8");
        if (!act.equals("uint8") && !act.equals("int8")) {
          throw o.get("activations").error("'" + act + "' is not uint8 or int8");
        }
        return new Transform.Quantize(cal, pct, act.equals("int8"));
      }
      case "fp16" -> {
        if (!noOptions && !(o.json().isObject() && o.json().isEmpty())) {
          throw o.error("fp16 takes no options (write 'fp16: {}')");
        }
        return new Transform.Fp16();
      }
      case "prune" -> {
        if (o.json() != null && o.json().isNumber()) {
          return new Transform.Prune(o.number(0.01, 0.95), 3, Transform.Prune.defaultWarmEpochs(3));
        }
        o.onlyFields("ratio", "epochs", "warm_epochs");
        double ratio = o.required("ratio").number(0.01, 0.95);
        int epochs = o.integer("epochs", 3, 0, 1000);
        int warm = o.integer("warm_epochs", Transform.Prune.defaultWarmEpochs(epochs), 0, 1000);
        if (warm > epochs) {
          throw o.get("warm_epochs").error(warm + " is more than epochs (" + epochs + "): a warm start tunes less");
        }
        return new Transform.Prune(ratio, epochs, warm);
      }
      default -> throw t.get(kind).error("unknown transform (expected quantize, fp16 or prune)");
    }
  }
}
