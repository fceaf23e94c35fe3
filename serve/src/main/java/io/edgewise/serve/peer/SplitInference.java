package io.edgewise.serve.peer;

import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.split.CutPoint;
import io.edgewise.runtime.split.CutPointFinder;
import io.edgewise.runtime.split.SubgraphExtractor;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Split execution on the device side: runs the nodes before a cut locally, sends the crossing tensors to the peer
 * (which holds the same model file, named by its sha256) and returns the peer's outputs. The all-local cut runs
 * the whole model here; the all-remote cut sends the inputs. Prefix sub-models are compiled once per cut.
 */
public final class SplitInference implements AutoCloseable {
  private final Model model;
  private final Session whole;
  private final SessionOptions options;
  private final PeerClient peer;
  private final List<CutPoint> cuts;
  private final Map<Integer, Session> prefixes = new HashMap<>();

  /** How one split run went: outputs (the caller's), and where the time went (all measured). */
  public record SplitRun(Map<String, Tensor> outputs, long localNanos, long remoteNanos, long bytesSent,
      long peerQueueMicros, long peerComputeMicros) implements AutoCloseable {
    public long totalNanos() {
      return localNanos + remoteNanos;
    }

    @Override
    public void close() {
      outputs.values().forEach(Tensor::close);
    }
  }

  /**
   * @param maxCrossing the most values a cut may send (1 keeps the chain-like cuts; residual blocks need 2)
   */
  public SplitInference(Path modelFile, SessionOptions local, PeerClient peer, int maxCrossing) {
    this.options = local;
    this.peer = peer;
    this.model = OnnxImporter.load(modelFile);
    Session w = null;
    try {
      this.cuts = CutPointFinder.find(model, maxCrossing);
      w = Session.open(modelFile, local);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    this.whole = w;
  }

  public String modelHash() {
    return model.contentHash();
  }

  /** The unoptimized graph the cuts index (shape-inferred). */
  public Model model() {
    return model;
  }

  public List<CutPoint> cuts() {
    return cuts;
  }

  /** Whole-model local inference: the reference a split result must equal. */
  public Map<String, Tensor> runLocal(Map<String, Tensor> inputs) {
    return whole.run(inputs);
  }

  /** Runs the prefix of the cut here and the rest on the peer within the deadline (null: the client's default). */
  public SplitRun run(Map<String, Tensor> inputs, CutPoint cut, TensorEncoding encoding, Duration deadline) {
    long t0 = System.nanoTime();
    if (cut.isAllLocal()) {
      Map<String, Tensor> out = whole.run(inputs);
      return new SplitRun(out, System.nanoTime() - t0, 0, 0, 0, 0);
    }
    Map<String, Tensor> computed = Map.of();
    try {
      Map<String, Tensor> crossing = new LinkedHashMap<>();
      boolean computesSomething = cut.tensors().stream().anyMatch(v -> !inputs.containsKey(v));
      if (computesSomething) {
        Session prefix = prefix(cut);
        Map<String, Tensor> feed = new HashMap<>();
        for (ValueInfo in : prefix.inputs()) {
          feed.put(in.name(), inputs.get(in.name()));
        }
        computed = prefix.run(feed);
      }
      for (String v : cut.tensors()) {
        crossing.put(v, inputs.containsKey(v) ? inputs.get(v) : computed.get(v));
      }
      long local = System.nanoTime() - t0;
      Duration left = deadline == null ? null : deadline.minusNanos(local);
      PeerClient.PartialResult r = peer.partialInfer(modelHash(), crossing, encoding, TensorEncoding.FP32,
          List.of(), left);
      return new SplitRun(r.outputs(), local, r.roundTripNanos(), r.bytesSent(), r.queueMicros(),
          r.computeMicros());
    } finally {
      computed.values().forEach(Tensor::close);
    }
  }

  private synchronized Session prefix(CutPoint cut) {
    Session s = prefixes.get(cut.position());
    if (s == null) {
      s = Session.open(SubgraphExtractor.prefix(model, cut), options);
      prefixes.put(cut.position(), s);
    }
    return s;
  }

  @Override
  public synchronized void close() {
    prefixes.values().forEach(Session::close);
    prefixes.clear();
    whole.close();
    model.close();
  }
}
