package io.edgewise.train;

import io.edgewise.EdgewiseException;
import java.nio.file.Path;

/**
 * Settings of a fine-tuning run. optimizer: "sgd" or "adam"; schedule: see {@link LearningRateSchedule#parse};
 * replaceHead: classes of the new head, 0 to keep the model's; checkpointDir: null for no checkpoints; resume:
 * continue from the newest checkpoint there (a fresh start when there is none); featureCacheBytes: heap the outputs
 * of the frozen part may take when computed once for the whole training set (0: recompute them every batch).
 */
public record FineTuneConfig(String device, int epochs, int batchSize, double learningRate, String schedule,
    String optimizer, double momentum, boolean nesterov, double weightDecay, long seed, Freezing freezing,
    int replaceHead, Path checkpointDir, boolean resume, long featureCacheBytes) {
  public FineTuneConfig {
    if (epochs <= 0 || batchSize <= 0 || !(learningRate > 0)) {
      throw EdgewiseException.invalidArgument("fine-tuning needs epochs > 0, batch size > 0 and a learning rate > 0 "
          + "(got " + epochs + ", " + batchSize + ", " + learningRate + ")");
    }
    if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
      throw EdgewiseException.invalidArgument("optimizer '" + optimizer + "' is not sgd or adam");
    }
    freezing = freezing == null ? Freezing.none() : freezing;
  }

  /** Default budget for caching the frozen part's outputs: 512 MiB of heap. */
  public static final long DEFAULT_FEATURE_CACHE_BYTES = 512L << 20;

  /** The digits README's protocol: plain SGD, batch 32, constant learning rate, seed 0, no checkpoints. */
  public static FineTuneConfig defaults(String device, int epochs, double lr) {
    return new FineTuneConfig(device, epochs, 32, lr, "constant", "sgd", 0, false, 0, 0, Freezing.none(), 0, null,
        false, DEFAULT_FEATURE_CACHE_BYTES);
  }

  public FineTuneConfig withFreezing(Freezing f) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, schedule, optimizer, momentum, nesterov,
        weightDecay, seed, f, replaceHead, checkpointDir, resume, featureCacheBytes);
  }

  public FineTuneConfig withReplaceHead(int classes) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, schedule, optimizer, momentum, nesterov,
        weightDecay, seed, freezing, classes, checkpointDir, resume, featureCacheBytes);
  }

  public FineTuneConfig withCheckpoints(Path dir, boolean resumeFromLatest) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, schedule, optimizer, momentum, nesterov,
        weightDecay, seed, freezing, replaceHead, dir, resumeFromLatest, featureCacheBytes);
  }

  public FineTuneConfig withOptimizer(String name, double mom, boolean nest, double decay) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, schedule, name, mom, nest, decay, seed,
        freezing, replaceHead, checkpointDir, resume, featureCacheBytes);
  }

  public FineTuneConfig withSeed(long s) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, schedule, optimizer, momentum, nesterov,
        weightDecay, s, freezing, replaceHead, checkpointDir, resume, featureCacheBytes);
  }

  public FineTuneConfig withBatchSize(int b) {
    return new FineTuneConfig(device, epochs, b, learningRate, schedule, optimizer, momentum, nesterov, weightDecay,
        seed, freezing, replaceHead, checkpointDir, resume, featureCacheBytes);
  }

  public FineTuneConfig withSchedule(String s) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, s, optimizer, momentum, nesterov, weightDecay,
        seed, freezing, replaceHead, checkpointDir, resume, featureCacheBytes);
  }

  public FineTuneConfig withEpochs(int e) {
    return new FineTuneConfig(device, e, batchSize, learningRate, schedule, optimizer, momentum, nesterov, weightDecay,
        seed, freezing, replaceHead, checkpointDir, resume, featureCacheBytes);
  }

  /** Budget for the frozen feature cache; 0 recomputes the frozen part for every batch. */
  public FineTuneConfig withFeatureCacheBytes(long bytes) {
    return new FineTuneConfig(device, epochs, batchSize, learningRate, schedule, optimizer, momentum, nesterov,
        weightDecay, seed, freezing, replaceHead, checkpointDir, resume, bytes);
  }

  Optimizer newOptimizer() {
    return optimizer.equals("adam") ? new Adam(0.9, 0.999, 1e-8, weightDecay) : new Sgd(momentum, nesterov,
        weightDecay);
  }

  /**
   * What must match for a resume to continue this run; the epoch count and the device may differ (a run can be
   * extended, or resumed on another device).
   */
  String fingerprint(String modelHash, int trainSamples) {
    return String.join("|", String.valueOf(modelHash), String.valueOf(trainSamples), String.valueOf(batchSize),
        String.valueOf(learningRate), schedule, optimizer, String.valueOf(momentum), String.valueOf(nesterov),
        String.valueOf(weightDecay), String.valueOf(seed), String.valueOf(freezing), String.valueOf(replaceHead));
  }
}
