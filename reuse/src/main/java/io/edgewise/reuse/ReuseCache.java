package io.edgewise.reuse;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computation reuse for any computation keyed by a feature vector: asks the tiers (peers first, then this device's
 * store), decides with H-kNN, audits a share of hits, feeds what was really computed back into calibration and stores
 * new results. {@link ReuseSession} uses it for a model cut at a tap point; the OCR pipeline uses it for a whole frame
 * and for each text line, whose features and results are not one model's tensors.
 *
 * <pre>{@code
 * ReuseCache.Probe p = cache.probe(feature);
 * if (p.reused()) return p.hit().result();
 * StoredResult r = compute();
 * p.computed(r, nanos);
 * }</pre>
 *
 * Thread-safe. The tiers and the store are borrowed.
 */
public final class ReuseCache {
  private static final Logger LOG = LoggerFactory.getLogger(ReuseCache.class);

  private final String key;
  private final String tap;
  private final ReuseOptions options;
  private final LocalReuseTier local;
  private final TieredReuse tiers;
  private final ReuseMetrics metrics;
  private final SplittableRandom auditRandom;
  /**
   * Smoothed compute time (EMA, 1/32 per run): the cost every entry of this namespace saves. One run's wall time on
   * a busy device varies 100x, and eviction by importance should not rank entries by that noise.
   */
  private final AtomicLong computeEstimate = new AtomicLong();

  /**
   * @param key what the results are a function of (a model's content hash, or a pipeline's models' hashes)
   * @param tap which feature of the input is looked up (a tap point's name, or a named hand-made feature)
   */
  public ReuseCache(String key, String tap, ReuseOptions options, LocalReuseTier local, List<ReuseTier> peers,
      MeterRegistry registry) {
    this.key = key;
    this.tap = tap;
    this.options = options;
    this.local = local;
    List<ReuseTier> order = new ArrayList<>(peers);
    order.add(local);
    this.tiers = new TieredReuse(order);
    this.metrics = new ReuseMetrics(registry, key.substring(0, Math.min(12, key.length())), tap);
    this.auditRandom = new SplittableRandom(options.seed());
  }

  public String key() {
    return key;
  }

  public String tap() {
    return tap;
  }

  public LocalReuseTier localTier() {
    return local;
  }

  public OriginAccuracy originAccuracy() {
    return tiers.accuracy();
  }

  /** The H-kNN thresholds currently calibrated for this namespace. */
  public HknnRule.Thresholds thresholds() {
    return local.thresholds(new ReuseQuery(key, tap, new float[0]));
  }

  /** Looks a feature up in every tier, in order; a failing tier or store is a miss, never a failed request. */
  public Probe probe(float[] feature) {
    return probe(feature, false);
  }

  /**
   * Looks a feature up; with {@code verify}, a hit to be reused is not yet counted as served: the caller checks it
   * cheaply against the input first and then calls {@link Probe#confirmed} (served: counted, time saved) or
   * {@link Probe#rejected} (it computed the answer after all).
   */
  public Probe probe(float[] feature, boolean verify) {
    ReuseQuery query = new ReuseQuery(key, tap, feature);
    long t0 = System.nanoTime();
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
    long lookupNanos = System.nanoTime() - t0;
    metrics.lookupTime(lookupNanos);
    boolean audit = hit.isPresent() && auditDraw() < options.auditRate();
    Probe probe = new Probe(query, hit.orElse(null), audit, localLookup, lookupNanos);
    if (probe.reused() && !verify) {
      probe.serve(0);
    }
    return probe;
  }

  /** One lookup's decision; after a miss or an audit the caller computes and reports through {@link #computed}. */
  public final class Probe {
    private final ReuseQuery query;
    private final ReuseHit hit;
    private final boolean audit;
    private final LocalReuseTier.Lookup localLookup;
    private final long lookupNanos;
    /** 0 undecided, 1 served, 2 rejected by the caller's check (only for a reuse decision). */
    private int outcome;

    private Probe(ReuseQuery query, ReuseHit hit, boolean audit, LocalReuseTier.Lookup localLookup,
        long lookupNanos) {
      this.query = query;
      this.hit = hit;
      this.audit = audit;
      this.localLookup = localLookup;
      this.lookupNanos = lookupNanos;
    }

    /** The hit is to be used as the answer: nothing needs computing. */
    public boolean reused() {
      return hit != null && !audit;
    }

    /** A hit was drawn for audit: the caller computes anyway and the hit is checked against it. */
    public boolean audited() {
      return audit;
    }

    /** The hit found (served or audited), or null on a miss. */
    public ReuseHit hit() {
      return hit;
    }

    public long lookupNanos() {
      return lookupNanos;
    }

    /**
     * The stored result nearest the feature in this device's store, whatever the decision (read from the store on
     * each call; empty when there was none). A caller whose results are not class labels (text, boxes) uses it to
     * give a computed result the label of a stored one it equals within its own tolerance, so that the vote and the
     * calibration count near-equal results as agreeing.
     */
    public Optional<StoredResult> nearest() {
      return localLookup == null ? Optional.empty() : local.nearestResult(localLookup);
    }

    /**
     * The caller's check of a hit to be reused (probed with {@code verify}) passed: the hit is served (counted, its
     * compute time less {@code checkNanos} counted as saved, the entry's hit recorded).
     */
    public synchronized void confirmed(long checkNanos) {
      if (!reused() || outcome != 0) {
        throw new IllegalStateException("only an undecided reused probe can be confirmed");
      }
      serve(checkNanos);
    }

    /**
     * The caller's check of a hit to be reused (probed with {@code verify}) failed, and it computed the answer after
     * all: counted as {@code rejected}, the result stored as a miss's is. It is not a calibration sample: the
     * calibration window holds misses and audits, an unbiased sample of decisions, and a check only ever reports
     * the hits it caught, never those it passed (adding them would bias the window towards failures).
     */
    public synchronized void rejected(StoredResult result, long computeNanos) {
      if (!reused() || outcome != 0) {
        throw new IllegalStateException("only an undecided reused probe can be rejected");
      }
      outcome = 2;
      metrics.rejected.increment();
      remember(query, result, smoothedCompute(computeNanos), "local");
    }

    private void serve(long checkNanos) {
      outcome = 1;
      tiers.served(hit);
      metrics.hits.increment();
      metrics.tierHit(hit.tier());
      metrics.savedSeconds.increment(Math.max(0, hit.computeNanos() - checkNanos) / 1e9);
      if (!hit.tier().equals(local.name())) {
        remember(query, hit.result(), hit.computeNanos(), hit.origin());
      }
    }

    /** What the computation gave after a miss or an audit: calibrates the thresholds and stores the result. */
    public void computed(StoredResult result, long computeNanos) {
      if (reused()) {
        throw new IllegalStateException("a reused probe computes nothing");
      }
      if (localLookup != null) {
        local.learn(localLookup, result.label());
      }
      if (audit) {
        tiers.audited(hit, result);
        metrics.audits.increment();
      } else {
        metrics.misses.increment();
        remember(query, result, smoothedCompute(computeNanos), "local");
      }
    }
  }

  /** Saves the calibration state into the store. */
  public void save() {
    local.save();
  }

  private long smoothedCompute(long nanos) {
    return computeEstimate.updateAndGet(e -> e == 0 ? nanos : e + (nanos - e) / 32);
  }

  /** SplittableRandom is not thread-safe; probe() is. */
  private double auditDraw() {
    synchronized (auditRandom) {
      return auditRandom.nextDouble();
    }
  }

  private LocalReuseTier.Lookup safeLocalLookup(ReuseQuery query) {
    try {
      return local.find(query);
    } catch (RuntimeException e) {
      LOG.warn("reuse lookup failed; computing instead: {}", e.toString());
      return LocalReuseTier.Lookup.EMPTY;
    }
  }

  /** Stores a result; a store that cannot keep it (full, failing) never fails the computation. */
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
}
