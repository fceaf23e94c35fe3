package io.edgewise.train;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tunes a classifier: optional head replacement, frozen layers, mini-batch training with softmax cross-entropy,
 * a checkpoint after every epoch (and resume from the newest), then the tuned parameters written back into the model
 * (export it with {@link TunedModels#export}). Deterministic under the seed: the shuffle of epoch e depends only on
 * (seed, e), so a resumed run sees the same batches as an uninterrupted one. close() releases the device the run
 * opened; the trainable graph stays usable until then.
 */
public final class FineTuner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);
  private static final int EVAL_BATCH = 64;

  /** Progress callbacks, on the training thread. */
  public interface Listener {
    default void batchDone(int epoch, int batch, int batches) {}

    default void epochDone(EpochStats stats) {}
  }

  /** One finished epoch: mean loss and accuracy over its training batches (as trained), time measured. */
  public record EpochStats(int epoch, int epochs, double learningRate, double loss, double trainAccuracy,
      double seconds, int samples) {}

  /**
   * The outcome. trainingSeconds and samplesPerSecond are measured over the epochs this process ran (forward,
   * backward and update, plus the one-off frozen feature cache, featureCacheSeconds, 0 when not used; not data
   * loading or evaluation); history covers all epochs, resumed ones included.
   */
  public record Result(double testAccuracy, int epochs, int resumedFromEpoch, double trainingSeconds,
      double samplesPerSecond, double medianEpochSeconds, double featureCacheSeconds, List<EpochStats> history,
      Set<String> trainedParameters, String device) {}

  private final Model model;
  private final FineTuneConfig config;
  private final Listener listener;
  private TrainGraph trainGraph;
  private TrainingKernels kernels;

  public FineTuner(Model model, FineTuneConfig config, Listener listener) {
    this.model = model;
    this.config = config;
    this.listener = listener == null ? new Listener() {} : listener;
  }

  /** The trainable graph, available after {@link #run}. */
  public TrainGraph trainGraph() {
    return trainGraph;
  }

  public Result run(DataSplit data) {
    Graph graph = model.graph();
    if (config.replaceHead() > 0) {
      HeadReplacement.replace(graph, config.replaceHead());
    }
    Set<String> trainable = config.freezing().trainableParameters(graph);
    if (kernels != null) {
      throw EdgewiseException.invalidArgument("a FineTuner runs once; create another for the next run");
    }
    kernels = TrainingKernels.forDevice(config.device());
    trainGraph = new TrainGraph(graph, model.opset(), kernels, trainable, Set.of());
    String input = singleInput(graph);
    int[] sampleShape = sampleShape(graph, input, data.train().featuresPerSample());
    String output = graph.outputs().get(0).name();
    checkClasses(graph.outputs().get(0), Math.max(data.train().classes(), data.test().classes()));
    LOG.info("fine-tuning {} on {}: {} trainable parameter tensors ({} values), {} train / {} test samples",
        model.label(), kernels.device(), trainable.size(), trainable.stream()
            .mapToLong(n -> trainGraph.parameters().get(n).size()).sum(), data.train().size(), data.test().size());

    Optimizer optimizer = config.newOptimizer();
    LearningRateSchedule schedule = LearningRateSchedule.parse(config.schedule(), config.learningRate(),
        config.epochs());
    String fingerprint = config.fingerprint(model.contentHash(), data.train().size());
    List<EpochStats> history = new ArrayList<>();
    int start = resume(fingerprint, optimizer, history);
    long c0 = System.nanoTime();
    FrozenFeatureCache cache = start < config.epochs()
        ? FrozenFeatureCache.build(trainGraph, data.train(), input, sampleShape, config.featureCacheBytes(),
            config.batchSize())
        : null;
    double cacheSeconds = (System.nanoTime() - c0) / 1e9;
    double seconds = cacheSeconds;
    int samples = 0;
    List<Double> epochSeconds = new ArrayList<>();
    for (int epoch = start; epoch < config.epochs(); epoch++) {
      EpochStats stats = trainEpoch(epoch, schedule.at(epoch), data.train(), cache, input, output, sampleShape,
          optimizer);
      seconds += stats.seconds();
      samples += stats.samples();
      epochSeconds.add(stats.seconds());
      history.add(stats);
      if (config.checkpointDir() != null) {
        checkpoint(fingerprint, epoch + 1, optimizer, seconds, history).save(config.checkpointDir());
      }
      listener.epochDone(stats);
    }
    double accuracy = accuracy(trainGraph, data.test(), input, output, sampleShape);
    TunedModels.writeBack(graph, trainGraph);
    double median = epochSeconds.isEmpty() ? 0 : epochSeconds.stream().sorted().toList()
        .get(epochSeconds.size() / 2);
    return new Result(accuracy, config.epochs(), start, seconds, seconds > 0 ? samples / seconds : 0, median,
        cache == null ? 0 : cacheSeconds, List.copyOf(history), trainable, kernels.device());
  }

  /** Releases the device the run opened (an fpga image; nothing for ref and cpu). */
  @Override
  public void close() {
    if (kernels != null) {
      kernels.close();
    }
  }

  /** One pass over the shuffled training set: forward, loss, backward and an optimizer step per batch. */
  private EpochStats trainEpoch(int epoch, double lr, Dataset train, FrozenFeatureCache cache, String input,
      String output, int[] sampleShape, Optimizer optimizer) {
    int[] order = shuffled(train.size(), config.seed(), epoch);
    int batches = (order.length + config.batchSize() - 1) / config.batchSize();
    double lossSum = 0;
    int correct = 0;
    long t0 = System.nanoTime();
    for (int b = 0; b < batches; b++) {
      int[] idx = Arrays.copyOfRange(order, b * config.batchSize(), Math.min(order.length, (b + 1)
          * config.batchSize()));
      int[] labels = train.labels(idx);
      TrainGraph.Pass pass = cache != null ? trainGraph.forwardFromFrozen(cache.batch(idx), true)
          : trainGraph.forward(Map.of(input, train.batch(idx, sampleShape)), true, true);
      HeapTensor logits = pass.value(output);
      HeapTensor dLogits = HeapTensor.zeros(logits.shape());
      double loss = Loss.softmaxCrossEntropy(labels).evaluate(logits, dLogits);
      if (!Double.isFinite(loss)) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, "training diverged: the loss of "
            + "epoch " + (epoch + 1) + ", batch " + (b + 1) + " is " + loss + " (learning rate " + lr + " too high?)");
      }
      lossSum += loss * idx.length;
      correct += countCorrect(logits, labels);
      Map<String, HeapTensor> grads = trainGraph.backward(pass, Map.of(output, dLogits));
      optimizer.step(trainGraph.parameters(), grads, lr);
      listener.batchDone(epoch, b, batches);
    }
    double dt = (System.nanoTime() - t0) / 1e9;
    return new EpochStats(epoch, config.epochs(), lr, lossSum / order.length, (double) correct / order.length, dt,
        order.length);
  }

  private Checkpoint checkpoint(String fingerprint, int epochsDone, Optimizer optimizer, double seconds,
      List<EpochStats> history) {
    Map<String, float[]> params = new HashMap<>();
    for (String name : trainGraph.mutableParameters()) {
      params.put(name, trainGraph.parameters().get(name).data());  // written at once, before the next step
    }
    List<double[]> h = history.stream().map(s -> new double[] {s.epoch(), s.learningRate(), s.loss(),
        s.trainAccuracy(), s.seconds(), s.samples()}).toList();
    return new Checkpoint(fingerprint, epochsDone, optimizer.steps(), seconds, h, params, optimizer.state());
  }

  /** Restores the newest checkpoint when resuming; returns the epoch to start from. */
  private int resume(String fingerprint, Optimizer optimizer, List<EpochStats> history) {
    if (!config.resume() || config.checkpointDir() == null) {
      return 0;
    }
    Checkpoint c = Checkpoint.latest(config.checkpointDir());
    if (c == null) {
      LOG.info("no checkpoint in {}: starting from epoch 0", config.checkpointDir());
      return 0;
    }
    if (!c.fingerprint().equals(fingerprint)) {
      throw EdgewiseException.invalidArgument("checkpoint in " + config.checkpointDir() + " belongs to another run "
          + "(model, data or settings differ); remove it or use another --checkpoint-dir");
    }
    for (Map.Entry<String, float[]> e : c.parameters().entrySet()) {
      HeapTensor p = trainGraph.parameters().get(e.getKey());
      if (p == null || p.size() != e.getValue().length) {
        throw EdgewiseException.invalidArgument("checkpoint parameter '" + e.getKey() + "' does not fit the model");
      }
      System.arraycopy(e.getValue(), 0, p.data(), 0, p.size());
    }
    optimizer.restore(c.optimizerState(), c.optimizerSteps());
    for (double[] h : c.history()) {
      history.add(new EpochStats((int) h[0], config.epochs(), h[1], h[2], h[3], h[4], (int) h[5]));
    }
    LOG.info("resumed from {} after epoch {}", config.checkpointDir(), c.epochsDone());
    return c.epochsDone();
  }

  /** The order of epoch e: a Fisher-Yates shuffle seeded by (seed, e) alone. */
  static int[] shuffled(int n, long seed, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Top-1 accuracy of the graph in inference mode. */
  public static double accuracy(TrainGraph g, Dataset data, String input, String output, int[] sampleShape) {
    int correct = 0;
    for (int s = 0; s < data.size(); s += EVAL_BATCH) {
      int[] idx = new int[Math.min(EVAL_BATCH, data.size() - s)];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = s + i;
      }
      HeapTensor logits = g.forward(Map.of(input, data.batch(idx, sampleShape)), false, false).value(output);
      correct += countCorrect(logits, data.labels(idx));
    }
    return data.size() == 0 ? 0 : (double) correct / data.size();
  }

  static int countCorrect(HeapTensor logits, int[] labels) {
    int k = logits.size() / labels.length;
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      int best = 0;
      for (int j = 1; j < k; j++) {
        if (logits.data()[i * k + j] > logits.data()[i * k + best]) {
          best = j;
        }
      }
      correct += best == labels[i] ? 1 : 0;
    }
    return correct;
  }

  public static String singleInput(Graph graph) {
    List<String> inputs = graph.inputNames().stream().filter(n -> !graph.isInitializer(n)).toList();
    if (inputs.size() != 1) {
      throw EdgewiseException.invalidArgument("fine-tuning needs a model with one input, graph '" + graph.name()
          + "' has " + inputs);
    }
    return inputs.get(0);
  }

  /** Refuses data with more classes than the model scores, before any training time is spent. */
  private static void checkClasses(ValueInfo output, int classes) {
    if (output.hasRank() && !output.dims().isEmpty()) {
      ValueInfo.Dim last = output.dims().get(output.dims().size() - 1);
      if (last.isKnown() && last.value() < classes) {
        throw EdgewiseException.invalidArgument("the data has labels 0.." + (classes - 1) + " but the model's output '"
            + output.name() + "' scores " + last.value() + " classes (use --replace-head " + classes + ")");
      }
    }
  }

  /** The model input's shape without its batch axis; it must hold the data's features per sample. */
  public static int[] sampleShape(Graph graph, String input, int featuresPerSample) {
    ValueInfo v = graph.typeOf(input);
    if (v == null || !v.hasRank() || v.dims().size() < 2
        || v.dims().subList(1, v.dims().size()).stream().anyMatch(d -> !d.isKnown())) {
      throw EdgewiseException.invalidArgument("input '" + input + "' needs a known shape after its batch axis");
    }
    int[] shape = v.dims().subList(1, v.dims().size()).stream().mapToInt(d -> (int) d.value()).toArray();
    if (HeapTensor.count(shape) != featuresPerSample) {
      throw EdgewiseException.invalidArgument("the data has " + featuresPerSample + " features per sample, the model's "
          + "input '" + input + "' takes " + Arrays.toString(shape));
    }
    return shape;
  }
}
