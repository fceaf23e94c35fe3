package io.edgewise.cli;

import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.train.DataSplit;
import io.edgewise.train.FineTuneConfig;
import io.edgewise.train.FineTuner;
import io.edgewise.train.Freezing;
import io.edgewise.train.TunedModels;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "finetune", description = {"Fine-tune a classifier on a labelled data directory and export it as ONNX.",
    "Trains on ref, cpu, opencl[:i] or fpga[:i] (auto: cpu); ort runs inference only."})
final class FinetuneCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "A model.onnx file or a directory holding one.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "DIR",
      description = "Directory with NAME_x.f32, NAME_y.u8 (and split_seed0.json unless --split).")
  Path data;

  @Option(names = "--split", paramLabel = "FILE", description = "Split JSON with 'train' and 'test' index lists.")
  Path split;

  @Option(names = "--protocol", defaultValue = "A", description = "A: the whole train list; B: the first --shots "
      + "train samples of each class (default: ${DEFAULT-VALUE}).")
  DataSplit.Protocol protocol;

  @Option(names = "--shots", paramLabel = "N", defaultValue = "10", description = "Samples per class for protocol B.")
  int shots;

  @Option(names = "--replace-head", paramLabel = "N", defaultValue = "0",
      description = "Replace the classifier head (final Gemm or Conv) by one with N outputs (old rows copied, new "
          + "rows zero).")
  int replaceHead;

  @Option(names = "--freeze-until", paramLabel = "NODE", description = "Freeze every node up to and including NODE "
      + "(a node name or output name).")
  String freezeUntil;

  @Option(names = "--freeze", paramLabel = "NAME", description = "Also freeze this node or initializer (repeatable).")
  List<String> freeze = new ArrayList<>();

  @Option(names = "--epochs", paramLabel = "N",
      defaultValue = "20", description = "Epochs (default: ${DEFAULT-VALUE}).") int epochs;

  @Option(names = "--lr", paramLabel = "X",
      defaultValue = "0.05", description = "Learning rate (default: ${DEFAULT-VALUE}).") double lr;

  @Option(names = "--batch", paramLabel = "N",
      defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).") int batch;

  @Option(names = "--optimizer", paramLabel = "NAME",
      defaultValue = "sgd", description = "sgd or adam (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--momentum", paramLabel = "X",
      defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
  double momentum;

  @Option(names = "--nesterov", description = "Nesterov momentum (SGD).") boolean nesterov;

  @Option(names = "--weight-decay", paramLabel = "X",
      defaultValue = "0", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(names = "--schedule", paramLabel = "SCHEDULE",
      defaultValue = "constant", description = "constant, cosine or step:SIZE:GAMMA.")
  String schedule;

  @Option(names = "--seed", paramLabel = "N",
      defaultValue = "0", description = "Seed of the per-epoch shuffles.") long seed;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Option(names = "--out", required = true, paramLabel = "TUNED.onnx", description = "Where the tuned model is "
      + "written.")
  Path out;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Where a checkpoint is written after every "
      + "epoch (default: TUNED.onnx.ckpt).")
  Path checkpointDir;

  @Option(names = "--resume", description = "Continue from the newest checkpoint in the checkpoint directory.")
  boolean resume;

  @Option(names = "--feature-cache-mib", paramLabel = "N",
      defaultValue = "512", description = "Heap for the frozen part's outputs, "
      + "computed once and reused each epoch; 0 recomputes them every batch (default: ${DEFAULT-VALUE}).")
  int featureCacheMib;

  // with --json the per-epoch lines go to stderr
  @Mixin
  JsonOption json = new JsonOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (shots <= 0 || featureCacheMib < 0) {
      throw Main.usage(spec, "--feature-cache-mib must be >= 0 and --shots > 0");
    }
    if (threads.count() > 0) {
      NativeCore.setThreads(threads.count());
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path file = Files.isDirectory(model) ? model.resolve("model.onnx") : model;
    Path ckpt = checkpointDir != null ? checkpointDir : out.resolveSibling(out.getFileName() + ".ckpt");
    FineTuneConfig config = new FineTuneConfig(device.name(), epochs, batch, lr, schedule, optimizer, momentum, nesterov,
        weightDecay, seed, new Freezing(freezeUntil, Set.copyOf(freeze)), replaceHead, ckpt, resume,
        (long) featureCacheMib << 20);
    DataSplit splitData = DataSplit.load(data, split, protocol, shots);
    try (Model m = OnnxImporter.load(file); EpochProgress progress = new EpochProgress(json.enabled() ? err : stdout);
        FineTuner tuner = new FineTuner(m, config, progress)) {
      FineTuner.Result r = tuner.run(splitData);
      TunedModels.export(m, out);
      if (json.enabled()) {
        stdout.println(Json.write(summary(r, splitData)));
      } else {
        stdout.printf("test accuracy %.4f (%d of %d test samples) on %s%n", r.testAccuracy(),
            Math.round(r.testAccuracy() * splitData.test().size()), splitData.test().size(), r.device());
        stdout.printf("measured on %s over %d epochs run here: %.3f s training, median %.3f s per epoch, %.0f "
            + "samples/s (frozen feature cache %.3f s included)%s%n", r.device(), r.epochs() - r.resumedFromEpoch(),
            r.trainingSeconds(), r.medianEpochSeconds(), r.samplesPerSecond(), r.featureCacheSeconds(),
            r.resumedFromEpoch() > 0 ? " (resumed after epoch " + r.resumedFromEpoch() + ")" : "");
        long rss = peakRssBytes();
        if (rss > 0) {
          stdout.printf("peak RSS %d MiB (measured: VmHWM of this process)%n", rss >> 20);
        }
        stdout.println("wrote " + out);
      }
    }
    return 0;
  }

  private Map<String, Object> summary(FineTuner.Result r, DataSplit d) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("test_accuracy", r.testAccuracy());
    s.put("epochs", r.epochs());
    s.put("seconds", r.trainingSeconds());
    s.put("samples_per_second", r.samplesPerSecond());
    s.put("median_epoch_seconds", r.medianEpochSeconds());
    s.put("feature_cache_seconds", r.featureCacheSeconds());
    s.put("timing", "measured (wall clock of forward+backward+update plus the one-off frozen feature cache, epochs "
        + "run in this process: " + (r.epochs() - r.resumedFromEpoch()) + ")");
    s.put("device", r.device());
    s.put("protocol", protocol.name());
    s.put("train_samples", d.train().size());
    s.put("test_samples", d.test().size());
    s.put("resumed_from_epoch", r.resumedFromEpoch());
    s.put("trained_parameters", r.trainedParameters());
    List<Map<String, Object>> history = new ArrayList<>();
    for (FineTuner.EpochStats e : r.history()) {
      history.add(Map.of("epoch", e.epoch() + 1, "loss", e.loss(), "train_accuracy", e.trainAccuracy(),
          "learning_rate", e.learningRate(), "seconds", e.seconds()));
    }
    s.put("history", history);
    s.put("peak_rss_bytes", peakRssBytes());
    s.put("output", out.toString());
    return s;
  }

  /** The process's peak resident set (heap, native memory, code), measured by Linux; -1 elsewhere. */
  static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: unknown
    }
    return -1;
  }

  /** A progress bar on stderr while a terminal watches, and one line per epoch. */
  private static final class EpochProgress implements FineTuner.Listener, AutoCloseable {
    private final PrintWriter lines;
    private final boolean terminal = Progress.isTerminal();
    private ProgressBar bar;

    EpochProgress(PrintWriter lines) {
      this.lines = lines;
    }

    @Override
    public void batchDone(int epoch, int batch, int batches) {
      if (!terminal) {
        return;
      }
      if (bar == null) {
        bar = new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1)).setInitialMax(batches)
            .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
      }
      bar.stepTo(batch + 1);
    }

    @Override
    public void epochDone(FineTuner.EpochStats s) {
      close();
      lines.printf("epoch %d/%d  loss %.4f  train accuracy %.4f  lr %.4g  %.3f s (measured)%n", s.epoch() + 1,
          s.epochs(), s.loss(), s.trainAccuracy(), s.learningRate(), s.seconds());
      lines.flush();
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }
  }
}
