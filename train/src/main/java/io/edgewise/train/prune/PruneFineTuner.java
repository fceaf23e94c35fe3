package io.edgewise.train.prune;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.DataSplit;
import io.edgewise.train.Dataset;
import io.edgewise.train.FineTuneConfig;
import io.edgewise.train.FineTuner;
import io.edgewise.train.TrainGraph;
import io.edgewise.train.TrainingKernels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers a pruned model's accuracy with the train package's fine-tuning ({@link FineTuner}: every parameter
 * trains unless the config freezes some), optionally warm-started from a lower ratio's tuned model: each kept channel
 * starts from the tuned weights of the same original channel, which the lower ratio also kept since the masks of one
 * ranking are nested (Mistify: the higher ratio starts from the nearest lower one instead of from the float model).
 */
public final class PruneFineTuner {
  private static final Logger LOG = LoggerFactory.getLogger(PruneFineTuner.class);

  private PruneFineTuner() {}

  /**
   * The recipe measured on the digits CNN (docs/benchmarks.md, Channel pruning): every layer, Adam at lr 1e-3, batch
   * 32, constant rate, seed 0; 8 epochs brought the 50% model back to within 0.5 points of float.
   */
  public static FineTuneConfig recipe(String device, int epochs) {
    return FineTuneConfig.defaults(device, epochs, 1e-3).withOptimizer("adam", 0, false, 0);
  }

  /** Fine-tunes the pruned model in place: its initializers take the tuned values. */
  public static FineTuner.Result fineTune(PruneResult pruned, DataSplit data, FineTuneConfig config) {
    return fineTune(pruned, null, data, config);
  }

  /**
   * Fine-tunes the pruned model in place, first copying the tuned weights of {@code warmStartFrom} (a result of the
   * same ranking at a lower or equal ratio, already fine-tuned) onto its kept channels; null starts from the pruned
   * weights as they are.
   */
  public static FineTuner.Result fineTune(PruneResult pruned, PruneResult warmStartFrom, DataSplit data,
      FineTuneConfig config) {
    if (pruned.isSkipped()) {
      throw EdgewiseException.invalidArgument("cannot fine-tune a skipped pruning: " + pruned.skippedReason());
    }
    if (config.replaceHead() > 0) {
      throw EdgewiseException.invalidArgument("a pruned model keeps its head: fine-tune it with no head replacement");
    }
    if (warmStartFrom != null) {
      warmStart(pruned, warmStartFrom);
    }
    try (FineTuner tuner = new FineTuner(pruned.model(), config, null)) {
      FineTuner.Result r = tuner.run(data);
      LOG.info("fine-tuned the {} pruned model{} for {} epochs on {}: test accuracy {}", pruned.ratio(),
          warmStartFrom == null ? "" : " (warm start from " + warmStartFrom.ratio() + ")", r.epochs(), r.device(),
          r.testAccuracy());
      return r;
    }
  }

  /**
   * Replaces the target's parameters by the lower ratio's at the same original channels (and its unpruned
   * parameters by the lower's values); returns how many initializers were copied.
   */
  public static int warmStart(PruneResult target, PruneResult lower) {
    if (target.isSkipped() || lower.isSkipped()) {
      throw EdgewiseException.invalidArgument("warm start needs two pruned models, not a skipped one");
    }
    if (!target.baseSignature().equals(lower.baseSignature()) || lower.ratio() > target.ratio()) {
      throw EdgewiseException.invalidArgument("warm start needs a model pruned from the same ranking at a lower or "
          + "equal ratio (target " + target.ratio() + ", warm start " + lower.ratio() + ")");
    }
    Graph tg = target.model().graph();
    Graph lg = lower.model().graph();
    int copied = 0;
    for (String name : new ArrayList<>(tg.initializers().keySet())) {
      Tensor from = lg.initializers().get(name);
      Tensor old = tg.initializers().get(name);
      ParameterSlice ts = target.slices().get(name);
      Tensor value;
      if (ts == null) {
        if (from == null || !from.shape().equals(old.shape())) {
          continue;
        }
        value = Tensor.ofFloats(from.shape(), from.toFloatArray());
      } else {
        ParameterSlice ls = lower.slices().get(name);
        if (from == null || ls == null || !ls.source().equals(ts.source())) {
          throw EdgewiseException.invalidArgument("warm start: parameter '" + name + "' of the " + target.ratio()
              + " model has no counterpart in the " + lower.ratio() + " model");
        }
        int[][] positions = positions(name, ts, ls);
        long[] dims = from.shape().dims();
        value = Tensor.ofFloats(Shape.of(ChannelPruner.cutDims(dims, positions)),
            ChannelPruner.slice(from.toFloatArray(), dims, positions));
      }
      tg.initializers().put(name, value).close();
      copied++;
    }
    LOG.info("warm start of the {} pruned model from the {} one: {} parameters copied", target.ratio(),
        lower.ratio(), copied);
    return copied;
  }

  /** Where each of the target's original indices sits in the lower ratio's tensor, per axis. */
  private static int[][] positions(String name, ParameterSlice target, ParameterSlice lower) {
    int[][] out = new int[target.kept().length][];
    for (int axis = 0; axis < out.length; axis++) {
      int[] want = target.kept()[axis];
      int[] have = lower.kept()[axis];
      if (want == null && have == null) {
        continue;
      }
      if (want == null) {
        want = new int[(int) target.sourceShape()[axis]];
        for (int i = 0; i < want.length; i++) {
          want[i] = i;
        }
      }
      Map<Integer, Integer> at = new HashMap<>();
      if (have == null) {
        for (int i = 0; i < lower.sourceShape()[axis]; i++) {
          at.put(i, i);
        }
      } else {
        for (int i = 0; i < have.length; i++) {
          at.put(have[i], i);
        }
      }
      out[axis] = new int[want.length];
      for (int i = 0; i < want.length; i++) {
        Integer p = at.get(want[i]);
        if (p == null) {
          throw EdgewiseException.invalidArgument("warm start: '" + name + "' keeps index " + want[i] + " of axis "
              + axis + " that the lower ratio removed (masks not nested)");
        }
        out[axis][i] = p;
      }
    }
    return out;
  }

  /** Top-1 accuracy of a model on labelled samples, inference semantics, on a training device (ref, cpu, ...). */
  public static double accuracy(Model model, Dataset data, String device) {
    Graph g = model.graph();
    String input = FineTuner.singleInput(g);
    int[] shape = FineTuner.sampleShape(g, input, data.featuresPerSample());
    List<String> outputs = g.outputNames();
    try (TrainingKernels k = TrainingKernels.forDevice(device)) {
      TrainGraph tg = new TrainGraph(g, model.opset(), k, Set.of(), Set.of());
      return FineTuner.accuracy(tg, data, input, outputs.get(0), shape);
    }
  }
}
