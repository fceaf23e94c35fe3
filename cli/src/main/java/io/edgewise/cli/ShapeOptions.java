package io.edgewise.cli;

import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --shape NAME=1x3x640x640}, repeatable: the whole shape of an input whose declared dimensions are dynamic
 * (symbolic or unknown), for the inputs a command generates ({@link RandomInputs}). Checked against the model's
 * declaration: a name the model does not declare, another rank, or a fixed dimension given another value is a usage
 * error naming the input and the dimension.
 */
public final class ShapeOptions {
  @Option(names = "--shape", paramLabel = "NAME=DIMS", description = "An input's shape, e.g. x=1x3x640x640, "
      + "repeatable: fixes its dynamic dimensions for generated inputs, and must agree with the model's fixed ones "
      + "(default: none; a dynamic input that must be generated is then an error).")
  Map<String, String> given = new LinkedHashMap<>();

  /** The command this option is mixed into: a bad value is its usage error. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  public boolean isEmpty() {
    return given.isEmpty();
  }

  /** Every --shape, parsed: input name to dimensions (a usage error when a value is not D1xD2x...). */
  public Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      out.put(e.getKey(), parse(e.getKey(), e.getValue()));
    }
    return out;
  }

  private long[] parse(String name, String value) {
    String[] parts = value.split("x", -1);
    long[] dims = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        dims[i] = Long.parseLong(parts[i].strip());
      } catch (NumberFormatException e) {
        dims[i] = -1;
      }
      if (dims[i] < 1) {
        throw Main.usage(command, "--shape " + name + "=" + value + ": dimension " + i + " ('" + parts[i]
            + "') is not a positive number; write the whole shape as D1xD2x..., e.g. " + name + "=1x3x640x640");
      }
    }
    return dims;
  }

  /**
   * Checks every --shape against the inputs a model declares (a usage error naming the input and the dimension when
   * they disagree) and returns them parsed.
   */
  public Map<String, long[]> checkedAgainst(List<ValueInfo> declared) {
    return checkedAgainst(declared, true);
  }

  /**
   * As {@link #checkedAgainst(List)}; unless {@code allDeclared} (a command over several models), a --shape for an
   * input this model does not declare is left out instead of being an error.
   */
  public Map<String, long[]> checkedAgainst(List<ValueInfo> declared, boolean allDeclared) {
    Map<String, long[]> shapes = shapes();
    for (var it = shapes.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, long[]> e = it.next();
      ValueInfo v = declared.stream().filter(d -> d.name().equals(e.getKey())).findFirst().orElse(null);
      if (v == null && !allDeclared) {
        it.remove();
        continue;
      }
      if (v == null) {
        throw Main.usage(command, "--shape " + e.getKey() + ": the model has no input '" + e.getKey()
            + "' (its inputs: " + declared.stream().map(ValueInfo::name).toList() + ")");
      }
      String problem = v.shapeMismatch(e.getValue());
      if (problem != null) {
        throw Main.usage(command, "--shape " + e.getKey() + "=" + given.get(e.getKey()) + ": " + problem);
      }
    }
    return shapes;
  }

  /**
   * Why a tensor given for an input (--input, a test data set) does not have the shape --shape gives it, naming the
   * first dimension that differs; null when it has it or --shape gives none.
   */
  static String mismatch(Map<String, long[]> shapes, String name, Tensor t) {
    long[] want = shapes.get(name);
    return want == null ? null : ValueInfo.tensor(name, t.dtype(), Shape.of(want)).shapeMismatch(t.shape().dims(),
        "--shape");
  }
}
