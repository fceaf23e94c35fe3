package io.edgewise.zoo;

import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.train.DataSplit;
import io.edgewise.train.prune.ChannelPruner;
import io.edgewise.train.prune.PruneFineTuner;
import io.edgewise.train.prune.PruneResult;
import java.nio.file.Path;

/**
 * Structured channel pruning through the train module ({@link ChannelPruner}: filters ranked by L1 norm, consumers
 * kept consistent; {@link PruneFineTuner}: fine-tuning to recover), written as an ONNX file. A model the pruner
 * cannot take (an op without a backward pass) is skipped with its reason. Not shared yet between requests (each
 * ratio ranks and fine-tunes on its own): one ranking for nested masks and warm starts from the nearest lower ratio
 * are the next step (ChannelPruner.prune(model, ranking, ratio), PruneFineTuner.fineTune(pruned, warmStartFrom, ...)).
 */
final class Pruning {
  private Pruning() {}

  /**
   * Writes the pruned (and, with epochs > 0, fine-tuned on {@code data}) model to {@code out}; returns null, or why
   * the transform was skipped.
   */
  static String prune(Path floatModel, Transform.Prune p, Path out, DataSplit data) {
    if (p.epochs() > 0 && data == null) {
      return "fine-tuning needs labelled training data, which this metric's evaluator does not give";
    }
    try (Model m = OnnxImporter.load(floatModel); PruneResult r = ChannelPruner.prune(m, p.ratio())) {
      if (r.isSkipped()) {
        return r.skippedReason();
      }
      if (p.epochs() > 0) {
        PruneFineTuner.fineTune(r, data, PruneFineTuner.recipe("cpu", p.epochs()));
      }
      OnnxExporter.save(r.model(), out);
      return null;
    }
  }
}
