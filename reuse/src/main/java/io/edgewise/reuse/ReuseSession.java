package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
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
  private final String tap;
  private final List<String> tailInputs;
  private final String modelHash;
  private final ReuseOptions options;
  private final LocalReuseTier local;
  private final TieredReuse tiers;
  private final ReuseMetrics metrics;
  private final MeterRegistry registry;
  private final SplittableRandom auditRandom;
  /**
   * Smoothed compute time of the tail (EMA, 1/32 per run): the cost every entry of this model and tap saves. One
   * run's wall time on a busy device varies 100x, and eviction by importance should not rank entries by that noise.
   */
  private final java.util.concurrent.atomic.AtomicLong computeEstimate = new java.util.concurrent.atomic.AtomicLong();

  private ReuseSession(Session head, Session tail, TapSplit split, ReuseOptions options, LocalReuseTier local,
      List<ReuseTier> peers, MeterRegistry registry) {
    this.head = head;
    this.tail = tail;
    this.tap = split.tap();
    this.tailInputs = split.tailInputs();
    this.modelHash = split.contentHash();
    this.options = options;
    this.local = local;
    List<ReuseTier> order = new ArrayList<>(peers);
    order.add(local);
    this.tiers = new TieredReuse(order);
    this.registry = registry;
    this.metrics = new ReuseMetrics(registry, modelHash.substring(0, Math.min(12, modelHash.length())), tap);
    this.auditRandom = new SplittableRandom(options.seed());
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
    return tap;
  }

  public String modelHash() {
    return modelHash;
  }

  public MeterRegistry metrics() {
    return registry;
  }

  public LocalReuseTier localTier() {
    return local;
  }

  public OriginAccuracy originAccuracy() {
    return tiers.accuracy();
  }

  /** The H-kNN thresholds currently calibrated for this model and tap. */
  public HknnRule.Thresholds thresholds() {
    return local.thresholds(new ReuseQuery(modelHash, tap, new float[0]));
  }

  /** Runs one request; see the class comment. */
  public ReuseResult run(Map<String, Tensor> inputs) {
    long t0 = System.nanoTime();
    Map<String, Tensor> headOut = head == null ? Map.of() : head.run(inputs);
    try {
      Tensor tapTensor = head == null ? inputs.get(tap) : headOut.get(tap);
      if (tapTensor == null) {
        throw EdgewiseException.invalidArgument("reuse session: input '" + tap + "' is missing");
      }
      long headNanos = head == null ? 0 : System.nanoTime() - t0;
      ReuseQuery query = new ReuseQuery(modelHash, tap, features(tapTensor));

      long t1 = System.nanoTime();
      Optional<ReuseHit> hit = Optional.empty();
      LocalReuseTier.Lookup localLookup = null;
      for (ReuseTier tier : tiers.tiers()) {
        if (tier == local) {
          localLookup = safeLocalLookup(query);
          hit = localLookup.hit();
        } else {
          hit = tiers.lookupOne(tier, query);
        }
        if (hit.isPresent()) {
          break;
        }
      }
      long lookupNanos = System.nanoTime() - t1;
      metrics.lookupTime(lookupNanos);

      boolean audit = hit.isPresent() && auditDraw() < options.auditRate();
      if (hit.isPresent() && !audit) {
        tiers.served(hit.get());
        metrics.hits.increment();
        metrics.savedSeconds.increment(hit.get().computeNanos() / 1e9);
        if (!hit.get().tier().equals(local.name())) {
          remember(query, hit.get().result(), hit.get().computeNanos(), hit.get().origin());
        }
        return new ReuseResult(hit.get().result().toTensors(), true, false, hit.get(), lookupNanos, 0, headNanos);
      }

      long t2 = System.nanoTime();
      Map<String, Tensor> tailIn = new LinkedHashMap<>();
      for (String name : tailInputs) {
        tailIn.put(name, name.equals(tap) ? tapTensor : inputs.get(name));
      }
      Map<String, Tensor> outputs = tail.run(tailIn);
      long computeNanos = System.nanoTime() - t2;
      StoredResult computed = StoredResult.of(outputs);
      if (localLookup != null) {
        local.learn(localLookup, computed.label());
      }
      if (audit) {
        tiers.audited(hit.get(), computed);
        metrics.audits.increment();
      } else {
        metrics.misses.increment();
        remember(query, computed, smoothedCompute(computeNanos), "local");
      }
      return new ReuseResult(outputs, false, audit, hit.orElse(null), lookupNanos, computeNanos, headNanos);
    } finally {
      headOut.values().forEach(Tensor::close);
    }
  }

  private long smoothedCompute(long nanos) {
    return computeEstimate.updateAndGet(e -> e == 0 ? nanos : e + (nanos - e) / 32);
  }

  /** SplittableRandom is not thread-safe; run() is. */
  private double auditDraw() {
    synchronized (auditRandom) {
      return auditRandom.nextDouble();
    }
  }

  /** Looks up this device's store; a failing store is a miss (logged and counted), never a failed request. */
  private LocalReuseTier.Lookup safeLocalLookup(ReuseQuery query) {
    try {
      return local.find(query);
    } catch (RuntimeException e) {
      LOG.warn("reuse lookup failed; computing instead: {}", e.toString());
      return LocalReuseTier.Lookup.EMPTY;
    }
  }

  /** Stores a result; a store that cannot keep it (full, failing) never fails the inference. */
  private void remember(ReuseQuery query, StoredResult result, long computeNanos, String origin) {
    try {
      if (local.insert(query, result, computeNanos, origin) < 0) {
        metrics.insertFailures.increment();
      }
    } catch (RuntimeException e) {
      metrics.insertFailures.increment();
      LOG.warn("reuse insert failed; the result is returned but not stored: {}", e.toString());
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
      local.save();
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
