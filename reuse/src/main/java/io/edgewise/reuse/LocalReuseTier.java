package io.edgewise.reuse;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This device's own store as a reuse tier: A-LSH lookup, the H-kNN decision with thresholds calibrated per
 * namespace to the accuracy target, inserts, and the calibration window kept in the store so that it survives
 * restarts. The peer protocol's REUSE_LOOKUP handler answers with {@link #lookup} of the serving device's tier.
 */
public final class LocalReuseTier implements ReuseTier {
  /** Calibration state is written to the store every this many new samples (and by save()). */
  private static final int SAVE_EVERY = 256;

  private final ReuseStore store;
  private final ReuseOptions options;
  private final String name;
  private final Map<Long, ThresholdCalibrator> calibrators = new ConcurrentHashMap<>();
  private final AtomicInteger unsaved = new AtomicInteger();

  public LocalReuseTier(ReuseStore store, ReuseOptions options) {
    this(store, options, "local");
  }

  public LocalReuseTier(ReuseStore store, ReuseOptions options, String name) {
    this.store = store;
    this.options = options;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  public ReuseStore store() {
    return store;
  }

  /** A lookup's full outcome: the neighbours (for calibration) and the decision. */
  public record Lookup(Namespace namespace, Neighbours neighbours, HknnRule.Decision decision,
      Optional<ReuseHit> hit) {
    static final Lookup EMPTY = new Lookup(null, Neighbours.NONE, HknnRule.Decision.NONE, Optional.empty());
  }

  @Override
  public Optional<ReuseHit> lookup(ReuseQuery query) {
    return find(query).hit();
  }

  /** Looks the query up and decides; the hit (if any) holds the stored result. */
  public Lookup find(ReuseQuery query) {
    Optional<Namespace> ns = store.findNamespace(query.modelHash(), query.tap());
    if (ns.isEmpty()) {
      return Lookup.EMPTY;
    }
    Neighbours nb = store.nearest(ns.get(), query.feature(), options.k());
    if (nb.nearest().isEmpty()) {
      return new Lookup(ns.get(), nb, HknnRule.Decision.NONE, Optional.empty());
    }
    HknnRule.Decision d;
    if (nb.nearest().get(0).label() >= 0) {
      d = HknnRule.classify(nb.nearest(), calibrator(ns.get()).thresholds());
    } else {
      d = HknnRule.nearestWithin(nb.nearest(), norm(query.feature()), options.tightRelative());
    }
    if (!d.reuse()) {
      return new Lookup(ns.get(), nb, d, Optional.empty());
    }
    // evicted between the lookup and now: a miss, not an error
    // an entry this device computed is "local" here, and known by this tier's name to whoever asks it
    Optional<ReuseHit> hit = store.get(ns.get(), d.entryId()).map(e -> new ReuseHit(e.result(), name,
        "local".equals(e.origin()) ? name : e.origin(), e.id(), d.nearestDistance(), d.homogeneity(), d.voters(),
        e.computeNanos()));
    return new Lookup(ns.get(), nb, d, hit);
  }

  /**
   * The stored result of a lookup's nearest neighbour, whatever the decision (empty when it had none, or when the
   * entry was evicted since): lets a caller whose results are not class labels decide which stored result a new one
   * equals.
   */
  public Optional<StoredResult> nearestResult(Lookup lookup) {
    if (lookup.namespace() == null || lookup.neighbours().nearest().isEmpty()) {
      return Optional.empty();
    }
    return store.get(lookup.namespace(), lookup.neighbours().nearest().get(0).id()).map(ReuseEntry::result);
  }

  @Override
  public void hitUsed(ReuseHit hit) {
    store.recordHit(hit.entryId(), hit.computeNanos());
  }

  /** Feeds what the model really computed back into calibration (after a miss or an audited hit). */
  public void learn(Lookup lookup, int trueLabel) {
    if (lookup.namespace() == null || trueLabel < 0 || lookup.neighbours().nearest().isEmpty()) {
      return;
    }
    calibrator(lookup.namespace()).add(lookup.neighbours().nearest(), trueLabel);
    if (unsaved.incrementAndGet() >= SAVE_EVERY) {
      save();
    }
  }

  /** Stores a computed result; returns its id or -1 when the store could not keep it. */
  public long insert(ReuseQuery query, StoredResult result, long computeNanos, String origin) {
    Namespace ns = store.namespace(query.modelHash(), query.tap(), query.feature());
    return store.insert(ns, query.feature(), result, computeNanos, origin);
  }

  /** The current thresholds of a namespace (for results and benchmarks). */
  public HknnRule.Thresholds thresholds(ReuseQuery query) {
    return store.findNamespace(query.modelHash(), query.tap()).map(ns -> calibrator(ns).thresholds())
        .orElse(HknnRule.Thresholds.NEVER);
  }

  /** Writes every namespace's calibration window into the store. */
  public void save() {
    unsaved.set(0);
    calibrators.forEach((id, c) -> store.putBlob(blobName(id), c.serialize()));
  }

  private ThresholdCalibrator calibrator(Namespace ns) {
    return calibrators.computeIfAbsent(ns.id(), id -> {
      ThresholdCalibrator c = new ThresholdCalibrator(options.accuracyTarget(), options.calibrationWindow(),
          options.minCalibrationSamples());
      store.getBlob(blobName(id)).ifPresent(c::restore);
      return c;
    });
  }

  private static String blobName(long nsId) {
    return "calibration:" + Long.toHexString(nsId);
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }
}
