package io.edgewise.bench.reuse;

import io.edgewise.bench.BenchStats;
import io.edgewise.files.FileTrees;
import io.edgewise.train.LabeledSamples;
import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.reuse.EvictionPolicy;
import io.edgewise.reuse.Namespace;
import io.edgewise.reuse.Neighbours;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseResult;
import io.edgewise.reuse.ReuseSession;
import io.edgewise.reuse.ReuseStats;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.reuse.StoredResult;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The reuse benchmark (issue 7, item 7), measured in this process: a correlated stream over labelled images run
 * without reuse (the baseline) and with reuse at a tap point; an accuracy-target sweep; importance against LRU
 * eviction at a fixed capacity; and lookup latency at large store sizes, filled with synthetic entries (perturbed
 * copies of the data set's images, labelled with their true label, not model outputs). Prints nothing: the CLI
 * reports the returned figures.
 */
public final class ReuseBenchmark {
  private ReuseBenchmark() {}

  /** What to run. {@code tap} "" is the model input; {@code backboneTap} null picks the last Gemm/MatMul's input. */
  public record Config(Path model, LabeledSamples data, String device, int frames, double target, String tap,
      String backboneTap, double[] sweepTargets, int[] sizes, int lookupQueries, int capacityEntries, long seed,
      Path workDir) {}

  /** One stream run: accuracy against the true labels, reuse, and time per frame (measured, wall clock). */
  public record StreamRun(String tap, double target, String eviction, long capacityBytes, int frames, double reuseRate,
      double accuracy, double reusePrecision, double meanFrameMs, double medianFrameMs, double lookupP50Ms,
      double lookupP99Ms, long entries, long evictions, long onDiskBytes) {}

  /** The no-reuse baseline over the same frames. */
  public record Baseline(int frames, double accuracy, double meanFrameMs, double medianFrameMs) {}

  /** Lookup latency at one store size. */
  public record ScalePoint(int entries, boolean synthetic, int queries, double lookupP50Ms, double lookupP99Ms,
      double meanCandidates, long onDiskBytes, double insertSeconds) {}

  public record Results(String device, String model, String data, Baseline baseline, StreamRun main,
      StreamRun backbone, List<StreamRun> sweep, List<StreamRun> eviction, List<ScalePoint> scale) {}

  public static Results run(Config c, Consumer<String> progress) {
    List<CorrelatedStream.Frame> frames = CorrelatedStream.generate(c.data(), c.frames(),
        CorrelatedStream.Shape.defaults(), c.seed());
    long[] inputShape = inputShape(c.model());
    progress.accept("baseline: " + frames.size() + " frames without reuse on " + c.device());
    Baseline baseline = baseline(c, frames, inputShape);
    ReuseStoreOptions big = ReuseStoreOptions.defaults();
    // warm-up: JIT-compiles the reuse path on a scratch store so that the timed runs do not pay for it
    stream(c, frames.subList(0, Math.min(300, frames.size())), inputShape, c.tap(), c.target(), big, "warmup");
    progress.accept("reuse at the model input, target " + c.target());
    StreamRun main = stream(c, frames, inputShape, c.tap(), c.target(), big, "main");
    String backboneTap = c.backboneTap() != null ? c.backboneTap() : backboneTap(c.model());
    StreamRun backbone = null;
    if (backboneTap != null) {
      progress.accept("reuse at the backbone output '" + backboneTap + "', target " + c.target());
      backbone = stream(c, frames, inputShape, backboneTap, c.target(), big, "backbone");
    }
    List<StreamRun> sweep = new ArrayList<>();
    for (double t : c.sweepTargets()) {
      progress.accept("sweep: target " + t);
      sweep.add(stream(c, frames, inputShape, c.tap(), t, big, "sweep-" + t));
    }
    // a capacity of about capacityEntries entries, measured from the main run's bytes per entry
    long perEntry = Math.max(1, main.entries() == 0 ? 1000 : bytesPerEntry(c.workDir().resolve("main")));
    long capacity = Math.max(4096, perEntry * c.capacityEntries());
    List<StreamRun> eviction = new ArrayList<>();
    // a stream with more revisits of popular images (60% of bursts, shorter bursts): where eviction matters
    List<CorrelatedStream.Frame> revisiting = CorrelatedStream.generate(c.data(), c.frames(),
        new CorrelatedStream.Shape(4, 0.6, 0.2, 0.02, 0.15), c.seed() + 1);
    for (EvictionPolicy p : EvictionPolicy.values()) {
      progress.accept("eviction: " + p + " at " + capacity + " bytes");
      long[] clock = {0};
      ReuseStoreOptions o = big.withCapacityBytes(capacity).withEviction(p).withClock(() -> clock[0])
          .withHalfLifeMillis(60_000);
      eviction.add(stream(c, revisiting, inputShape, c.tap(), c.target(), o, "evict-" + p, clock));
    }
    List<ScalePoint> scale = new ArrayList<>();
    for (int n : c.sizes()) {
      progress.accept("lookup latency at " + n + " entries (synthetic)");
      scale.add(scale(c, n));
    }
    return new Results(c.device(), c.model().toString(), c.data().source(), baseline, main, backbone, sweep, eviction,
        scale);
  }

  private static Baseline baseline(Config c, List<CorrelatedStream.Frame> frames, long[] shape) {
    try (Session s = Session.open(c.model(), SessionOptions.defaults().withDevice(c.device()))) {
      String input = s.inputs().get(0).name();
      double[] ms = new double[frames.size()];
      int correct = 0;
      for (int i = 0; i < frames.size(); i++) {
        CorrelatedStream.Frame f = frames.get(i);
        try (Tensor x = Tensor.ofFloats(Shape.of(shape), f.x())) {
          long t0 = System.nanoTime();
          Map<String, Tensor> out = s.run(Map.of(input, x));
          ms[i] = (System.nanoTime() - t0) / 1e6;
          try {
            if (StoredResult.of(out).label() == f.label()) {
              correct++;
            }
          } finally {
            out.values().forEach(Tensor::close);
          }
        }
      }
      return new Baseline(frames.size(), (double) correct / frames.size(), BenchStats.mean(ms), BenchStats.percentile(ms, 50));
    }
  }

  private static StreamRun stream(Config c, List<CorrelatedStream.Frame> frames, long[] shape, String tap,
      double target, ReuseStoreOptions storeOptions, String name) {
    return stream(c, frames, shape, tap, target, storeOptions, name, null);
  }

  /** One pass of the stream through a fresh store; {@code clock} (if given) advances 33 ms a frame (30 fps). */
  private static StreamRun stream(Config c, List<CorrelatedStream.Frame> frames, long[] shape, String tap,
      double target, ReuseStoreOptions storeOptions, String name, long[] clock) {
    Path dir = c.workDir().resolve(name);
    FileTrees.delete(dir);
    ReuseOptions ro = ReuseOptions.defaults().withTap(tap).withAccuracyTarget(target).withSeed(c.seed());
    try (ReuseStore store = ReuseStore.open(dir, storeOptions);
        ReuseSession s = ReuseSession.open(c.model(), SessionOptions.defaults().withDevice(c.device()), ro, store)) {
      double[] ms = new double[frames.size()];
      double[] lookupMs = new double[frames.size()];
      int correct = 0;
      int hits = 0;
      int hitsAgreeing = 0;
      try (Session plain = Session.open(c.model(), SessionOptions.defaults().withDevice(c.device()))) {
        String inputName = plain.inputs().get(0).name();
        for (int i = 0; i < frames.size(); i++) {
          if (clock != null) {
            clock[0] += 33;
          }
          CorrelatedStream.Frame f = frames.get(i);
          try (Tensor x = Tensor.ofFloats(Shape.of(shape), f.x())) {
            long t0 = System.nanoTime();
            try (ReuseResult r = s.run(Map.of(inputName, x))) {
              ms[i] = (System.nanoTime() - t0) / 1e6;
              lookupMs[i] = r.lookupNanos() / 1e6;
              int label = StoredResult.of(r.outputs()).label();
              if (label == f.label()) {
                correct++;
              }
              if (r.hit()) {
                hits++;
                // the model's own answer for this frame, outside the timed region: how often reuse agreed with it
                Map<String, Tensor> truth = plain.run(Map.of(inputName, x));
                try {
                  if (StoredResult.of(truth).label() == label) {
                    hitsAgreeing++;
                  }
                } finally {
                  truth.values().forEach(Tensor::close);
                }
              }
            }
          }
        }
      }
      store.flush();
      ReuseStats st = store.stats();
      return new StreamRun(s.tap(), target, storeOptions.eviction().name(), storeOptions.capacityBytes(),
          frames.size(), (double) hits / frames.size(), (double) correct / frames.size(),
          hits == 0 ? Double.NaN : (double) hitsAgreeing / hits, BenchStats.mean(ms), BenchStats.percentile(ms, 50),
          BenchStats.percentile(lookupMs, 50), BenchStats.percentile(lookupMs, 99), st.entries(), st.evictions(), st.onDiskBytes());
    }
  }

  private static long bytesPerEntry(Path dir) {
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReuseStats st = store.stats();
      return st.entries() == 0 ? 1000 : st.entryBytes() / st.entries();
    }
  }

  /** Fills a fresh store with n perturbed copies of the data's images and times lookups of fresh ones. */
  private static ScalePoint scale(Config c, int n) {
    Path dir = c.workDir().resolve("scale-" + n);
    FileTrees.delete(dir);
    SplittableRandom rnd = new SplittableRandom(c.seed() + n);
    CorrelatedStream.Shape noise = CorrelatedStream.Shape.defaults();
    LabeledSamples data = c.data();
    long capacity = Math.max(1L << 30, 2000L * n);
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults().withCapacityBytes(capacity))) {
      Namespace ns = store.namespace("synthetic:" + data.source(), "input", data.x()[0]);
      long t0 = System.nanoTime();
      int batchSize = 5000;
      for (int done = 0; done < n; done += batchSize) {
        List<ReuseStore.NewEntry> batch = new ArrayList<>(batchSize);
        List<CorrelatedStream.Frame> fs = CorrelatedStream.generate(data, Math.min(batchSize, n - done), noise,
            rnd.nextLong());
        for (CorrelatedStream.Frame f : fs) {
          batch.add(new ReuseStore.NewEntry(f.x(), StoredResult.label(f.label(), 1), 1_000_000, "synthetic"));
        }
        store.insertAll(ns, batch);
      }
      double insertSeconds = (System.nanoTime() - t0) / 1e9;
      List<CorrelatedStream.Frame> queries = CorrelatedStream.generate(data, c.lookupQueries(), noise, rnd.nextLong());
      double[] ms = new double[queries.size()];
      long candidates = 0;
      // warm-up: the first lookups fault the map's pages in
      for (int i = 0; i < Math.min(200, queries.size()); i++) {
        store.nearest(ns, queries.get(i).x(), 5);
      }
      for (int i = 0; i < queries.size(); i++) {
        long q0 = System.nanoTime();
        Neighbours nb = store.nearest(ns, queries.get(i).x(), 5);
        ms[i] = (System.nanoTime() - q0) / 1e6;
        candidates += nb.inspected();
      }
      store.flush();
      return new ScalePoint(n, true, queries.size(), BenchStats.percentile(ms, 50), BenchStats.percentile(ms, 99),
          (double) candidates / queries.size(), store.onDiskBytes(), insertSeconds);
    } finally {
      FileTrees.delete(dir);
    }
  }

  /** The input of the last Gemm or MatMul: the backbone's output for a classifier. */
  static String backboneTap(Path model) {
    try (Model m = OnnxImporter.load(model)) {
      List<Node> nodes = m.graph().nodes();
      for (int i = nodes.size() - 1; i >= 0; i--) {
        Node n = nodes.get(i);
        if ((n.opType().equals("Gemm") || n.opType().equals("MatMul")) && !m.graph().isInitializer(n.input(0))
            && !m.graph().inputNames().contains(n.input(0))) {
          return n.input(0);
        }
      }
      return null;
    }
  }

  private static long[] inputShape(Path model) {
    try (Model m = OnnxImporter.load(model)) {
      var in = m.graph().inputs().get(0);
      Shape s = in.concreteShape();
      if (s == null) {
        throw EdgewiseException.invalidArgument(model + ": input '" + in.name() + "' has no concrete shape " + in
            + "; the reuse bench needs one");
      }
      return s.dims();
    }
  }

}
