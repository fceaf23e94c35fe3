package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.split.SubgraphExtractor;
import io.edgewise.serve.peer.PeerMessage.LoadReport;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.tensor.ConfinedFiles;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer's engine: finds the model a request names by hash, extracts the sub-graph after the cut its tensors
 * define (cached per model, cut and outputs), and runs it on a bounded pool of workers.
 */
final class SuffixRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SuffixRunner.class);
  private static final int MAX_MODELS = 8;
  private static final int MAX_SESSIONS = 32;

  private final ModelResolver resolver;
  private final SessionOptions options;
  private final ThreadPoolExecutor workers;
  private final Map<String, Model> models = lru(MAX_MODELS);
  private final Map<String, Session> sessions = lru(MAX_SESSIONS);
  private final AtomicInteger running = new AtomicInteger();
  // load statistics since the previous report (guarded by this)
  private long busyNanos;
  private long finishedSinceReport;
  private long computeNanosSinceReport;
  private long completed;
  private long lastReportNanos = System.nanoTime();

  SuffixRunner(ModelResolver resolver, SessionOptions options, PeerLimits limits) {
    this.resolver = resolver;
    this.options = options;
    AtomicInteger ids = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(limits.maxQueued()), r -> {
          Thread t = new Thread(r, "edgewise-peer-worker-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * A bounded cache that closes what it evicts. An evicted session still running a request is safe: Session.close()
   * waits for runs in flight, and a later request for that cut compiles it again.
   */
  private static <V extends AutoCloseable> Map<String, V> lru(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        if (size() > max) {
          try {
            eldest.getValue().close();
          } catch (Exception e) {
            LOG.warn("closing evicted {}: {}", eldest.getKey(), e.toString());
          }
          return true;
        }
        return false;
      }
    };
  }

  /** Queues work; false when the queue is full (the caller answers OVERLOADED). */
  boolean submit(Runnable job) {
    try {
      workers.execute(job);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** The compiled suffix the request defines (extracted and compiled on first use of a cut, then cached). */
  Session prepare(PartialInfer request) {
    return session(request);
  }

  /** Runs the suffix on its session; the caller owns the returned tensors. */
  Map<String, Tensor> run(Session session, PartialInfer request) {
    Map<String, Tensor> feed = new HashMap<>();
    for (ValueInfo in : session.inputs()) {
      feed.put(in.name(), request.tensors().get(in.name()));
    }
    long t0 = System.nanoTime();
    running.incrementAndGet();
    try {
      Map<String, Tensor> computed = session.run(feed);
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : outputsOf(request)) {
        Tensor t = computed.get(name);
        out.put(name, t != null ? t : request.tensors().get(name).copy());  // an output that was sent: pass through
      }
      // inside the timed section: the reduction is the peer's work, and its load reports should count it
      return request.reduction().apply(out, request.boxes());
    } finally {
      running.decrementAndGet();
      long dt = System.nanoTime() - t0;
      synchronized (this) {
        busyNanos += dt;
        computeNanosSinceReport += dt;
        finishedSinceReport++;
        completed++;
      }
    }
  }

  private List<String> outputsOf(PartialInfer request) {
    if (!request.outputs().isEmpty()) {
      return request.outputs();
    }
    return model(request.modelHash()).graph().outputNames();
  }

  private synchronized Session session(PartialInfer request) {
    String key = request.modelHash() + "|" + new TreeSet<>(request.tensors().keySet()) + "|" + request.outputs();
    Session s = sessions.get(key);
    if (s == null) {
      Model full = model(request.modelHash());
      for (String name : request.outputs()) {
        if (full.graph().typeOf(name) == null) {
          throw new PeerException(PeerErrorCode.INVALID_CUT, "model " + request.modelHash() + " has no value '"
              + name + "' to return");
        }
      }
      Model suffix;
      try {
        suffix = SubgraphExtractor.suffix(full, request.tensors().keySet(), outputsOf(request));
      } catch (EdgewiseException e) {
        throw new PeerException(PeerErrorCode.INVALID_CUT, e.getMessage().replaceFirst("^\\[\\w+\\] ", ""), e);
      }
      s = Session.open(suffix, resolver.options(request.modelHash()).orElse(options));
      sessions.put(key, s);
      LOG.debug("compiled suffix of {} for cut {} ({} nodes)", request.modelHash(), request.tensors().keySet(),
          s.model().graph().nodes().size());
    }
    return s;
  }

  private synchronized Model model(String hash) {
    Model m = models.get(hash);
    if (m == null) {
      Path file = resolver.locate(hash).orElseThrow(() -> new PeerException(PeerErrorCode.UNKNOWN_MODEL,
          "no model with sha256 " + hash + " is served here"));
      // read again by its real path inside its own directory, without following links (ConfinedFiles), and only
      // if it is still the file that was offered: a file swapped since is refused, never run under the old hash
      Path dir = file.toAbsolutePath().getParent();
      byte[] bytes = ConfinedFiles.readAll(dir, file, OnnxImporter.MAX_MODEL_BYTES,
          EdgewiseException.ErrorCode.INVALID_ARGUMENT, file.toString());
      m = OnnxImporter.load(bytes, file);
      if (!hash.equals(m.contentHash())) {
        m.close();
        throw new PeerException(PeerErrorCode.UNKNOWN_MODEL, "the file of model " + hash + " changed on disk since "
            + "it was offered; refused");
      }
      ShapeInference.infer(m);
      models.put(hash, m);
    }
    return m;
  }

  synchronized LoadReport report(int inFlight) {
    long now = System.nanoTime();
    long wall = Math.max(1, now - lastReportNanos);
    double utilisation = Math.min(1.0, busyNanos / (double) wall / workers.getMaximumPoolSize());
    double meanMs = finishedSinceReport == 0 ? 0 : computeNanosSinceReport / 1e6 / finishedSinceReport;
    LoadReport r = new LoadReport(inFlight, workers.getQueue().size(), workers.getMaximumPoolSize(), utilisation,
        meanMs, completed);
    lastReportNanos = now;
    busyNanos = 0;
    computeNanosSinceReport = 0;
    finishedSinceReport = 0;
    return r;
  }

  /** Stops taking work, lets what is queued and running finish (up to the timeout), then frees models. */
  @Override
  public void close() {
    workers.shutdown();
    try {
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("peer workers still busy after 10 s; closing anyway");
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
    }
    synchronized (this) {
      List<AutoCloseable> all = new ArrayList<>(sessions.values());
      all.addAll(models.values());
      sessions.clear();
      models.clear();
      for (AutoCloseable c : all) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("closing {}: {}", c, e.toString());
        }
      }
    }
  }
}
