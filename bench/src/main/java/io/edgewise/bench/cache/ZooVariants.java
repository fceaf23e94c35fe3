package io.edgewise.bench.cache;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.prune.ChannelPruner;
import io.edgewise.train.prune.PruneResult;
import io.edgewise.zoo.Transform;
import io.edgewise.zoo.quant.ActivationStats;
import io.edgewise.zoo.quant.Calibrator;
import io.edgewise.zoo.quant.Fp16Converter;
import io.edgewise.zoo.quant.QdqQuantizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The zoo's variants of one base model for the cache benchmark's population (docs/zoo.md): int8 QDQ through
 * {@link QdqQuantizer} (minmax ranges from one calibration pass over the benchmark's own request input), float16
 * weights through {@link Fp16Converter}, and structured channel pruning through {@link ChannelPruner}. What matters
 * to a model cache is each variant's size and load time, not its accuracy, so nothing is evaluated and a pruned model
 * is not fine-tuned (fine-tuning changes weight values, not the file's size or what a load does). A variant the zoo
 * cannot make for a model is skipped with the zoo's reason.
 */
final class ZooVariants {
  /** The variant kinds, by the name `cache-bench --zoo` takes (and the suffix of the variant's model name). */
  static final List<String> KINDS = List.of("int8", "fp16", "pruned50");

  private ZooVariants() {}

  /** The kinds named in a `--zoo` list, checked. */
  static List<String> parse(List<String> names) {
    for (String n : names) {
      if (!KINDS.contains(n)) {
        throw EdgewiseException.invalidArgument("--zoo: '" + n + "' is not one of " + KINDS);
      }
    }
    return List.copyOf(names);
  }

  /**
   * Writes the variant {@code kind} of the float model {@code base} to {@code out}; returns null, or why the zoo
   * skipped it (nothing written). {@code input} is one request input of the model (the calibration data of int8).
   */
  static String make(String kind, Path base, Map<String, Tensor> input, Path out) {
    return switch (kind) {
      case "int8" -> int8(base, input, out);
      case "fp16" -> Fp16Converter.convert(base, out).skipReason();
      case "pruned50" -> pruned(base, 0.5, out);
      default -> throw EdgewiseException.invalidArgument("unknown zoo variant '" + kind + "'");
    };
  }

  private static String int8(Path base, Map<String, Tensor> input, Path out) {
    QdqQuantizer.Plan plan = QdqQuantizer.plan(base);
    if (plan.skipReason() != null) {
      return plan.skipReason();
    }
    // one calibration input at 1 thread: the ranges only decide the scales' values, not the file's size or its load
    Map<String, ActivationStats> stats = Calibrator.run(base, plan.activations(), List.of(input), "cpu", 1);
    return QdqQuantizer.quantize(base, stats, new Transform.Quantize("minmax", 99.99, false), out).skipReason();
  }

  private static String pruned(Path base, double ratio, Path out) {
    try (Model m = OnnxImporter.load(base); PruneResult r = ChannelPruner.prune(m, ratio)) {
      if (r.isSkipped()) {
        return r.skippedReason();
      }
      OnnxExporter.save(r.model(), out);
      return null;
    }
  }

  /** The suffix of a kind's model name ("resnet18_int8"). */
  static String suffix(String kind) {
    return "_" + kind.toLowerCase(Locale.ROOT);
  }
}
