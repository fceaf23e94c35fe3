package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session with computation reuse (FoggyCache / Potluck): computes the model up to the tap point, looks the
 * tap's feature up in the reuse tiers (peers first, then this device's store), and on a hit returns the stored
 * result without running the rest of the model; on a miss it runs the rest and stores the result. Lives in
 * {@code reuse}, above {@code runtime}: it drives two plain sessions (head and tail of the model cut at the tap),
 * so the runtime knows nothing of reuse.
 *
 * <pre>{@code
 * try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults());
 *      ReuseSession s = ReuseSession.open(model, SessionOptions.defaults(), ReuseOptions.defaults(), store);
 *      ReuseResult r = s.run(Map.of("input", x))) {
 *   r.metadata().get("reuse");   // "hit", "miss" or "audit"
 * }
 * }</pre>
 *
 * run() is thread-safe. The store is borrowed (the caller closes it after the session).
 */
public final class ReuseSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReuseSession.class);

  private final Session head;
  private final Session tail;
  private final List<String> tailInputs;
  private final ReuseCache cache;
  private final MeterRegistry registry;

  private ReuseSession(Session head, Session tail, TapSplit split, ReuseOptions options, LocalReuseTier local,
      List<ReuseTier> peers, MeterRegistry registry) {
    this.head = head;
    this.tail = tail;
    this.tailInputs = split.tailInputs();
    this.registry = registry;
    this.cache = new ReuseCache(split.contentHash(), split.tap(), options, local, peers, registry);
  }

  /** A session reusing through this device's store only, with its own meter registry. */
  public static ReuseSession open(Path modelFile, SessionOptions sessionOptions, ReuseOptions options,
      ReuseStore store) {
    return open(modelFile, sessionOptions, options, store, List.of(), new SimpleMeterRegistry());
  }

  /**
   * A session that asks the given peer tiers (in order) before this device's store, recording its meters in the
   * given registry.
   */
  public static ReuseSession open(Path modelFile, SessionOptions sessionOptions, ReuseOptions options,
      ReuseStore store, List<ReuseTier> peers, MeterRegistry registry) {
    TapSplit split = TapSplit.of(modelFile, options.tap());
    Session head = null;
    try {
      head = split.head() == null ? null : Session.open(split.head(), sessionOptions);
    } catch (RuntimeException e) {
      split.tail().close();
      throw e;
    }
    try {
      Session tail = Session.open(split.tail(), sessionOptions);
      return new ReuseSession(head, tail, split, options, new LocalReuseTier(store, options), peers, registry);
    } catch (RuntimeException e) {
      if (head != null) {
        head.close();
      }
      throw e;
    }
  }

  public String tap() {
    return cache.tap();
  }

  public String modelHash() {
    return cache.key();
  }

  public MeterRegistry metrics() {
    return registry;
  }

  public LocalReuseTier localTier() {
    return cache.localTier();
  }

  public OriginAccuracy originAccuracy() {
    return cache.originAccuracy();
  }

  /** The H-kNN thresholds currently calibrated for this model and tap. */
  public HknnRule.Thresholds thresholds() {
    return cache.thresholds();
  }

  /** Runs one request; see the class comment. */
  public ReuseResult run(Map<String, Tensor> inputs) {
    long t0 = System.nanoTime();
    Map<String, Tensor> headOut = head == null ? Map.of() : head.run(inputs);
    try {
      String tap = cache.tap();
      Tensor tapTensor = head == null ? inputs.get(tap) : headOut.get(tap);
      if (tapTensor == null) {
        throw EdgewiseException.invalidArgument("reuse session: input '" + tap + "' is missing");
      }
      long headNanos = head == null ? 0 : System.nanoTime() - t0;
      ReuseCache.Probe probe = cache.probe(features(tapTensor));
      if (probe.reused()) {
        return new ReuseResult(probe.hit().result().toTensors(), true, false, probe.hit(), probe.lookupNanos(), 0,
            headNanos);
      }
      long t2 = System.nanoTime();
      Map<String, Tensor> tailIn = new LinkedHashMap<>();
      for (String name : tailInputs) {
        tailIn.put(name, name.equals(tap) ? tapTensor : inputs.get(name));
      }
      Map<String, Tensor> outputs = tail.run(tailIn);
      long computeNanos = System.nanoTime() - t2;
      probe.computed(StoredResult.of(outputs), computeNanos);
      return new ReuseResult(outputs, false, probe.audited(), probe.hit(), probe.lookupNanos(), computeNanos,
          headNanos);
    } finally {
      headOut.values().forEach(Tensor::close);
    }
  }

  private static float[] features(Tensor t) {
    if (t.dtype().isFloatingPoint()) {
      return t.toFloatArray();
    }
    double[] d = t.toDoubleArray();
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** Saves the calibration state and closes both sessions; the store stays open (it is borrowed). */
  @Override
  public void close() {
    try {
      cache.save();
    } catch (RuntimeException e) {
      LOG.warn("reuse calibration not saved: {}", e.toString());
    } finally {
      if (head != null) {
        head.close();
      }
      tail.close();
    }
  }
}
