package io.edgewise.zoo;

import java.nio.file.Path;

/**
 * INTEGRATION POINT for structured channel pruning (issue 21, item 6): pruning by filter L1 norm with nested masks
 * and fine-tuning is being written in the train module, on branch prune, not yet on main. Its API there:
 * {@code io.edgewise.train.prune.ChannelPruner.prune(Model, double ratio)} (and {@code prune(Model, ChannelRanking,
 * ratio)} for nested masks from one ranking) returning {@code PruneResult(model, ratio, skippedReason, convs, ...)};
 * {@code PruneFineTuner.fineTune(PruneResult, [PruneResult warmStartFrom,] DataSplit, FineTuneConfig)} returning a
 * {@code FineTuner.Result}. Once merged: rank once per float model (shared), prune at each ratio, fine-tune a higher
 * ratio warm-started from the nearest lower one, export with OnnxExporter to {@code out}. Until it lands, a request
 * with a prune transform is skipped with the
 * reason below (the rest of its recipe is not applied to the unpruned model: no variant is reported under a name that
 * promises pruning).
 */
final class Pruning {
  static final String UNAVAILABLE = "pruning not available (io.edgewise.train.prune.ChannelPruner has not landed)";

  private Pruning() {}

  /** Writes the pruned and fine-tuned model to {@code out}; returns null on success or why it was skipped. */
  static String prune(Path floatModel, Transform.Prune p, Path out) {
    return UNAVAILABLE;
  }
}
