package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.cache.CacheEntry;
import io.edgewise.serve.cache.CachePolicy;
import io.edgewise.tensor.ConfinedFiles;
import io.edgewise.tensor.MemoryAccount;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of models laid out as Triton's and KServe's model repositories are:
 * {@code ROOT/<name>/<version>/model.onnx}, with an optional {@code ROOT/<name>/config.json} (see
 * {@link ModelConfig}). A version that fails to load stays listed as unavailable with its reason, so the server can
 * say why instead of "not found".
 *
 * <p>What is loaded when follows {@link RepositoryOptions}: by default every version loads at open and stays; under
 * {@link ModelControl#EXPLICIT} only what {@link #load} loads, until {@link #unload}; under {@link ModelControl#POLL}
 * {@link #rescan} (every poll interval) picks up new, removed and changed versions. With a memory budget models load
 * on their first request ({@link #acquire}) and a {@link CachePolicy} evicts loaded ones when a load would pass the
 * budget; sizes are measured ({@link Session#memoryBytes}), load times too. Requests hold a {@link ModelLease}
 * (reference counted): a model in use is never evicted, unloaded or closed by a reload; an unload waits for the
 * requests in flight while new ones get {@link ModelUnavailableException} (503); a reload serves the old session until
 * the new one is ready.
 *
 * <p>Nothing outside the root is ever read: names must match {@link #NAME}, versions are positive integers, and
 * every file's real path (symbolic links resolved) must lie inside the root's real path; files are opened without
 * following links after that check, and files with several hard links are refused ({@link ConfinedFiles}). Requests
 * look models up by name in memory; no request string ever becomes a file path. Shared by the HTTP and the peer
 * servers.
 */
public final class ModelRepository implements AutoCloseable {
  /** A model directory name: letters, digits, '_', '-', '.'; not starting with '.', at most 128 characters. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  /** A version directory name: a positive integer without leading zeros. */
  public static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
  public static final String MODEL_FILE = "model.onnx";

  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

  /** The state of a version as the repository index reports it (Triton's names). */
  public enum State { READY, LOADING, UNLOADING, UNAVAILABLE }

  /** One row of {@link #index}. */
  public record IndexEntry(String name, String version, State state, String reason) {}

  /** Told of every request's look-up (the cache benchmark records hits and the latency loads added). */
  @FunctionalInterface
  public interface AccessObserver {
    void accessed(String name, String version, boolean hit, long loadWaitNanos);
  }

  private final Path root;
  private final SessionOptions defaults;
  private final RepositoryOptions options;
  private final CachePolicy policy;
  /** name -> model; guarded by this. */
  private final TreeMap<String, ModelEntry> models = new TreeMap<>();
  /** Per model name; the meters read them. */
  private final Map<String, ModelStats> stats = new ConcurrentHashMap<>();
  /** Loads, unloads and rescans one at a time: the budget's arithmetic stays simple and loads do not thrash. */
  private final ReentrantLock loadLock = new ReentrantLock();
  private long usedBytes;
  private long peakUsedBytes;
  /** The largest measured size / file size of a load so far (0 before the first): first loads' estimates. */
  private double sizePerFileByte;
  /** Requests looked up so far: the policies' logical clock. */
  private long clock;
  private volatile AccessObserver observer;
  private ScheduledExecutorService poller;
  /** Runs the servers' slow control requests (load, unload, a metadata request that loads) off their threads. */
  private final java.util.concurrent.ThreadPoolExecutor control = new java.util.concurrent.ThreadPoolExecutor(0, 4,
      30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(64), t -> {
        Thread th = new Thread(t, "edgewise-model-control");
        th.setDaemon(true);
        return th;
      });
  private boolean closed;

  /** One model name: its config and its versions. Guarded by the repository. */
  private static final class ModelEntry {
    final String name;
    final TreeMap<Integer, VersionEntry> versions = new TreeMap<>();
    SessionOptions sessionOptions;
    String configError;
    /** The config given with the last load request (replaces config.json until the next load), or null. */
    byte[] configOverride;
    String configStamp = "";

    ModelEntry(String name) {
      this.name = name;
    }
  }

  /** One version. Guarded by the repository. */
  private static final class VersionEntry {
    final String name;
    final String version;
    final Path file;
    final CacheEntry cache;
    Instance current;
    State state = State.UNAVAILABLE;
    String reason = "not loaded";
    /** Why its last load failed (it is not tried again until a load or a rescan), or null. */
    String failure;
    /** Whether a request may load it (false: explicit control and not loaded by the load endpoint). */
    boolean loadable;
    CompletableFuture<Void> loading;
    String lastDevice;
    String diskStamp = "";
    /** Whether this is a pipeline declared by the model's config.json (version 1; file is that config.json). */
    boolean pipeline;

    VersionEntry(String name, String version, Path file) {
      this.name = name;
      this.version = version;
      this.file = file;
      this.cache = new CacheEntry(name + "/" + version);
    }

    String label() {
      return name + "/" + version;
    }
  }

  /** A loaded session of one version, with the requests holding it. */
  final class Instance {
    final ServedModel model;
    final VersionEntry owner;
    final String stamp;
    /** Charged for the instance's native memory (a session's, or all of a pipeline's sessions'). */
    final MemoryAccount account;
    long sizeBytes;
    int refs;
    boolean retired;

    Instance(ServedModel model, VersionEntry owner, String stamp, MemoryAccount account, long sizeBytes) {
      this.account = account;
      this.model = model;
      this.owner = owner;
      this.stamp = stamp;
      this.sizeBytes = sizeBytes;
    }

    /** A lease closed: the last one of a retired instance closes it; an idle one is measured again. */
    void release() {
      List<Instance> toClose = new ArrayList<>();
      synchronized (ModelRepository.this) {
        refs--;
        if (refs == 0) {
          if (retired) {
            toClose.add(this);
          } else if (owner.current == this) {
            // runs can grow a session (a new input shape gets its own arena plan): keep the sum honest
            long now = account.liveBytes();
            if (now != sizeBytes) {
              usedBytes += now - sizeBytes;
              sizeBytes = now;
              owner.cache.sizeBytes(now);
            }
          }
          // over the budget (a model grew while the others were in use): evict idle ones, this one last
          if (options.memoryBudget() > 0 && usedBytes > options.memoryBudget()) {
            trim(options.memoryBudget(), owner, toClose);
            trim(options.memoryBudget(), null, toClose);
          }
          peakUsedBytes = Math.max(peakUsedBytes, usedBytes);
        }
        ModelRepository.this.notifyAll();
      }
      toClose.forEach(Instance::closeSession);
    }

    void closeSession() {
      if (model.session() != null) {
        model.session().close();
      }
      if (model.pipeline() != null) {
        model.pipeline().close();
      }
    }
  }

  /** Per model name: what the metrics report. */
  public static final class ModelStats {
    final java.util.concurrent.atomic.LongAdder loads = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder evictions = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder misses = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder bytesLoaded = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.DoubleAdder loadSeconds = new java.util.concurrent.atomic.DoubleAdder();

    public long loads() {
      return loads.sum();
    }

    public long evictions() {
      return evictions.sum();
    }

    public long hits() {
      return hits.sum();
    }

    public long misses() {
      return misses.sum();
    }

    public long bytesLoaded() {
      return bytesLoaded.sum();
    }

    public double loadSeconds() {
      return loadSeconds.sum();
    }
  }

  /**
   * Meters the models register themselves (a pipeline's reuse counters): a composite with no registry until the
   * server's metrics watch this repository ({@link ServeMetrics#watch}), which adds its Prometheus registry; meters
   * registered before that are carried over.
   */
  private final io.micrometer.core.instrument.composite.CompositeMeterRegistry meters =
      new io.micrometer.core.instrument.composite.CompositeMeterRegistry();

  /** The registry models put their own meters in (see the field). */
  public io.micrometer.core.instrument.composite.CompositeMeterRegistry meters() {
    return meters;
  }

  private ModelRepository(Path root, SessionOptions defaults, RepositoryOptions options) {
    this.root = root;
    this.defaults = defaults;
    this.options = options;
    this.policy = options.policy();
  }

  /**
   * Opens every model version under root (the behaviour without model control or budget). Versions run with
   * {@code defaults} unless the model's config.json says otherwise. Throws when root is not a readable directory; a
   * model that fails to load does not stop the others.
   */
  public static ModelRepository open(Path root, SessionOptions defaults) {
    return open(root, defaults, RepositoryOptions.defaults());
  }

  /** As {@link #open(Path, SessionOptions)}, managed as {@code options} say. */
  public static ModelRepository open(Path root, SessionOptions defaults, RepositoryOptions options) {
    Path real;
    try {
      real = root.toRealPath();
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, root + ": the model repository does not exist", e);
    }
    if (!Files.isDirectory(real)) {
      throw EdgewiseException.invalidArgument(root + ": the model repository must be a directory");
    }
    ModelRepository r = new ModelRepository(real, defaults, options);
    try {
      r.scan(options.control() != ModelControl.EXPLICIT);
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
    if (options.control() == ModelControl.POLL) {
      r.poller = Executors.newSingleThreadScheduledExecutor(t -> {
        Thread th = new Thread(t, "edgewise-repository-poll");
        th.setDaemon(true);
        return th;
      });
      long ms = options.pollInterval().toMillis();
      r.poller.scheduleWithFixedDelay(() -> {
        try {
          r.rescan();
        } catch (RuntimeException e) {
          LOG.warn("rescanning {} failed: {}", r.root, e.getMessage());
        }
      }, ms, ms, TimeUnit.MILLISECONDS);
    }
    return r;
  }

  public Path root() {
    return root;
  }

  public RepositoryOptions options() {
    return options;
  }

  /** The model names, sorted. */
  public synchronized List<String> names() {
    return List.copyOf(models.keySet());
  }

  /** Every version of every model, loaded or not (a version not loaded has no session and says why). */
  public synchronized List<ServedModel> all() {
    List<ServedModel> out = new ArrayList<>();
    models.values().forEach(m -> m.versions.values().forEach(v -> out.add(snapshot(v))));
    return Collections.unmodifiableList(out);
  }

  /** A model's versions in ascending order; empty when the name is unknown. */
  public synchronized List<String> versions(String name) {
    ModelEntry m = name == null ? null : models.get(name);
    return m == null ? List.of() : m.versions.values().stream().map(v -> v.version).toList();
  }

  /**
   * One version of a model; version null or empty means the highest version. Empty when the name or the version is
   * unknown; a version not loaded is returned without a session (check {@link ServedModel#isReady()} and
   * {@link #servable}).
   */
  public synchronized Optional<ServedModel> find(String name, String version) {
    VersionEntry v = entry(name, version);
    return v == null ? Optional.empty() : Optional.of(snapshot(v));
  }

  /** Whether a request for this version would be served: it is loaded, or loads on demand, and is not unloading. */
  public synchronized boolean servable(ServedModel m) {
    VersionEntry v = entry(m.name(), m.version());
    return v != null && v.state != State.UNLOADING && (v.current != null || (v.loadable && v.failure == null));
  }

  /** Why a version would not be served now (see {@link #servable}), for a 503's message. */
  public synchronized String unavailableReason(ServedModel m) {
    VersionEntry v = entry(m.name(), m.version());
    return v == null ? "not in the repository" : reasonOf(v);
  }

  /** The device a version runs on (the one it last loaded on, else its configured device), for the busy metrics. */
  public synchronized String deviceOf(ServedModel m) {
    VersionEntry v = entry(m.name(), m.version());
    if (v != null && v.lastDevice != null) {
      return v.lastDevice;
    }
    ModelEntry me = m.name() == null ? null : models.get(m.name());
    return me != null && me.sessionOptions != null ? me.sessionOptions.device() : defaults.device();
  }

  /** Whether every version that should serve can: none failed to load and none is being unloaded. */
  public synchronized boolean allReady() {
    for (ModelEntry m : models.values()) {
      for (VersionEntry v : m.versions.values()) {
        if (v.failure != null || v.state == State.UNLOADING || (v.loadable && v.current == null
            && options.memoryBudget() == 0)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The repository index (Triton's extension): every version with its state and reason; readyOnly keeps READY. */
  public synchronized List<IndexEntry> index(boolean readyOnly) {
    List<IndexEntry> out = new ArrayList<>();
    for (ModelEntry m : models.values()) {
      for (VersionEntry v : m.versions.values()) {
        State s = v.current != null && v.state != State.UNLOADING ? State.READY : v.state;
        if (!readyOnly || s == State.READY) {
          out.add(new IndexEntry(v.name, v.version, s, s == State.READY ? "" : reasonOf(v)));
        }
      }
    }
    return out;
  }

  /** Per model name: loads, evictions, hits, misses, load seconds and bytes loaded so far. */
  public Map<String, ModelStats> stats() {
    return Collections.unmodifiableMap(stats);
  }

  /** Bytes the loaded models hold now (each measured when it loaded and again when it went idle). */
  public synchronized long usedBytes() {
    return usedBytes;
  }

  /** The most bytes the loaded models held at once. */
  public synchronized long peakUsedBytes() {
    return peakUsedBytes;
  }

  /** Versions loaded now. */
  public synchronized int loadedCount() {
    int n = 0;
    for (ModelEntry m : models.values()) {
      for (VersionEntry v : m.versions.values()) {
        n += v.current != null ? 1 : 0;
      }
    }
    return n;
  }

  /** Leases open now, over every model (0 when no request is running). */
  public synchronized int leasesOpen() {
    int n = 0;
    for (ModelEntry m : models.values()) {
      for (VersionEntry v : m.versions.values()) {
        n += v.current != null ? v.current.refs : 0;
      }
    }
    return n;
  }

  /**
   * Where servers run control requests that may take long (a load, an unload waiting for requests, a metadata
   * request that loads the model): at most 4 at once and 64 waiting; more are refused (RejectedExecutionException).
   */
  public java.util.concurrent.Executor controlExecutor() {
    return control;
  }

  public void observer(AccessObserver o) {
    this.observer = o;
  }

  /**
   * The version for one request, loaded (a cache miss loads it now, evicting others as the budget needs) and held
   * until the lease closes. Throws NOT_FOUND for an unknown name or version and {@link ModelUnavailableException}
   * when it cannot serve now (unloading, not loaded under explicit control, failed to load, no room).
   */
  public ModelLease acquire(String name, String version) {
    long t0 = System.nanoTime();
    boolean counted = false;
    boolean hit = true;
    long now = 0;
    while (true) {
      CompletableFuture<Void> waitFor;
      VersionEntry v;
      synchronized (this) {
        checkOpen();
        v = entry(name, version);
        if (v == null) {
          throw new EdgewiseException(ErrorCode.NOT_FOUND, "model '" + name + "'"
              + (version == null || version.isEmpty() ? "" : " version '" + version + "'") + " is not in the repository");
        }
        if (!counted) {
          counted = true;
          now = clock++;
          v.cache.accessed(now, halfLife());
          policy.accessed(v.cache.key(), now);
        }
        if (v.state == State.UNLOADING) {
          throw new ModelUnavailableException("model " + v.label() + " is being unloaded");
        }
        Instance inst = v.current;
        if (inst != null) {
          inst.refs++;
          return leased(v, inst, hit, t0);
        }
        hit = false;
        if (!v.loadable || v.failure != null) {
          throw new ModelUnavailableException("model " + v.label() + " is unavailable: " + reasonOf(v));
        }
        waitFor = v.loading;
        if (waitFor == null) {
          v.loading = new CompletableFuture<>();
          v.state = State.LOADING;
        }
      }
      if (waitFor == null) {
        Instance inst = loadResident(v, now, true);
        return leased(v, inst, false, t0);
      }
      try {
        waitFor.join();
      } catch (RuntimeException e) {
        // the loader failed: the next pass reports why (the entry holds the reason)
      }
    }
  }

  private ModelLease leased(VersionEntry v, Instance inst, boolean hit, long t0) {
    long wait = hit ? 0 : System.nanoTime() - t0;
    ModelStats s = stats(v.name);
    (hit ? s.hits : s.misses).increment();
    AccessObserver o = observer;
    if (o != null) {
      o.accessed(v.name, v.version, hit, wait);
    }
    return new ModelLease(inst, hit, wait);
  }

  /**
   * Loads every version of a model now (the repository extension's load; EXPLICIT control only). The model's
   * directory is read again, so a model added after start can be loaded; config, when given, replaces config.json
   * (same keys) until the next load. A loaded version is loaded again and swapped in once ready. Throws NOT_FOUND when
   * the directory has no such model and INVALID_ARGUMENT naming the reason when a version fails to load.
   */
  public void load(String name, byte[] config) {
    requireControl("load");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "no model '" + name + "' in the repository");
    }
    loadLock.lock();
    try {
      checkOpen();
      Path dir = root.resolve(name);
      if (!Files.isDirectory(dir)) {
        throw new EdgewiseException(ErrorCode.NOT_FOUND, "no model '" + name + "' in the repository");
      }
      synchronized (this) {
        ModelEntry me = models.computeIfAbsent(name, ModelEntry::new);
        me.configOverride = config;
      }
      scanModel(dir, name, true, true);
      List<String> failures = new ArrayList<>();
      synchronized (this) {
        ModelEntry me = models.get(name);
        if (me == null || me.versions.isEmpty()) {
          models.remove(name);
          throw new EdgewiseException(ErrorCode.NOT_FOUND, "model '" + name + "' has no version directory with a "
              + MODEL_FILE);
        }
        for (VersionEntry v : me.versions.values()) {
          if (v.failure != null) {
            failures.add(v.label() + ": " + v.failure);
          }
        }
      }
      if (!failures.isEmpty()) {
        throw EdgewiseException.invalidArgument("failed to load " + String.join("; ", failures));
      }
    } finally {
      loadLock.unlock();
    }
  }

  /**
   * Unloads every version of a model (the repository extension's unload; EXPLICIT control only): new requests get
   * 503 at once, the call waits for the requests in flight, then frees the sessions. Throws NOT_FOUND for an unknown
   * name.
   */
  public void unload(String name) {
    requireControl("unload");
    loadLock.lock();
    try {
      List<Instance> toClose = new ArrayList<>();
      synchronized (this) {
        checkOpen();
        ModelEntry me = name == null ? null : models.get(name);
        if (me == null) {
          throw new EdgewiseException(ErrorCode.NOT_FOUND, "no model '" + name + "' in the repository");
        }
        for (VersionEntry v : me.versions.values()) {
          v.loadable = false;
          if (v.current != null) {
            v.state = State.UNLOADING;
          }
        }
        drain(me.versions.values(), toClose, "unloaded");
      }
      toClose.forEach(Instance::closeSession);
    } finally {
      loadLock.unlock();
    }
  }

  /**
   * Scans the directory again (POLL does this every interval; tests call it): versions that appeared are added (and
   * loaded, without a budget), versions that went are unloaded once their requests finish, and a loaded version whose
   * file or config changed is loaded again and swapped in once ready (the old session serves until then).
   */
  public void rescan() {
    loadLock.lock();
    try {
      checkOpen();
      Map<String, Path> onDisk = new LinkedHashMap<>();
      for (Path dir : list(root)) {
        String name = dir.getFileName().toString();
        if (Files.isDirectory(dir) && NAME.matcher(name).matches()) {
          onDisk.put(name, dir);
        }
      }
      List<String> gone;
      synchronized (this) {
        gone = models.keySet().stream().filter(n -> !onDisk.containsKey(n)).toList();
      }
      for (String name : gone) {
        removeVersions(name, null);
      }
      for (Map.Entry<String, Path> e : onDisk.entrySet()) {
        scanModel(e.getValue(), e.getKey(), options.memoryBudget() == 0, false);
      }
    } finally {
      loadLock.unlock();
    }
  }

  /** Startup: every model directory; load now unless explicit control or a budget says later. */
  private void scan(boolean loadable) {
    loadLock.lock();
    try {
      for (Path modelDir : list(root)) {
        String name = modelDir.getFileName().toString();
        if (!Files.isDirectory(modelDir)) {
          continue;
        }
        if (!NAME.matcher(name).matches()) {
          LOG.warn("{}: skipped: a model name must match {}", modelDir, NAME.pattern());
          continue;
        }
        scanModel(modelDir, name, loadable && options.memoryBudget() == 0, loadable);
      }
    } finally {
      loadLock.unlock();
    }
  }

  /**
   * Reads one model's directory (config and versions) into the index. loadNow: load the versions that are not loaded
   * or changed on disk (under a budget: making room); makeLoadable: mark every version loadable (load requests, and
   * startup outside explicit control). Versions no longer on disk are removed. Holds loadLock.
   */
  private void scanModel(Path modelDir, String name, boolean loadNow, boolean makeLoadable) {
    Path configFile = modelDir.resolve(ModelConfig.FILE_NAME);
    byte[] override;
    synchronized (this) {
      ModelEntry me = models.get(name);
      override = me == null ? null : me.configOverride;
    }
    SessionOptions sessionOptions;
    String configError = null;
    byte[] configBytes = null;
    boolean pipeline = false;
    try {
      configBytes = override != null ? override : readConfig(root, configFile);
      // a config.json declaring a pipeline is the pipeline's own (PipelineConfig reads it when it opens)
      pipeline = override == null && PipelineConfig.declaresPipeline(configBytes);
      sessionOptions = pipeline ? defaults : ModelConfig.apply(configBytes, override != null
          ? Path.of("parameters.config") : configFile, defaults);
    } catch (EdgewiseException e) {
      sessionOptions = defaults;
      configError = e.getMessage();
    }
    String configStamp = configBytes == null ? "" : Integer.toHexString(Arrays.hashCode(configBytes));
    Map<String, Path> versionDirs = new TreeMap<>(Comparator.comparingInt(Integer::parseInt));
    if (pipeline) {
      versionDirs.put("1", modelDir);  // a pipeline is served as version 1; its file is its config.json
    } else {
      for (Path versionDir : list(modelDir)) {
        String version = versionDir.getFileName().toString();
        if (Files.isDirectory(versionDir) && VERSION.matcher(version).matches()) {
          versionDirs.put(version, versionDir);
        }
      }
    }
    List<VersionEntry> toLoad = new ArrayList<>();
    List<String> removed;
    List<String> removedKinds = new ArrayList<>();
    synchronized (this) {
      ModelEntry me = models.computeIfAbsent(name, ModelEntry::new);
      boolean configChanged = !configStamp.equals(me.configStamp) || configError != null
          || !java.util.Objects.equals(configError, me.configError);
      me.sessionOptions = sessionOptions;
      me.configError = configError;
      me.configStamp = configStamp;
      removed = new ArrayList<>(me.versions.values().stream().map(v -> v.version)
          .filter(v -> !versionDirs.containsKey(v)).toList());
      for (Map.Entry<String, Path> e : versionDirs.entrySet()) {
        int number = Integer.parseInt(e.getKey());
        VersionEntry v = me.versions.get(number);
        if (v != null && v.pipeline != pipeline) {
          removedKinds.add(v.version);  // a model that became a pipeline, or back: remove it, then scan again
          removed.add(v.version);
          continue;
        }
        if (v == null) {
          v = new VersionEntry(name, e.getKey(), pipeline ? configFile : e.getValue().resolve(MODEL_FILE));
          v.pipeline = pipeline;
          v.loadable = makeLoadable || (options.control() == ModelControl.POLL);
          v.reason = v.loadable ? "not loaded yet (loads on the first request)" : "not loaded (explicit model "
              + "control: POST /v2/repository/models/" + name + "/load)";
          me.versions.put(number, v);
        }
        if (makeLoadable) {
          v.loadable = true;
        }
        String stamp = diskStamp(v.file) + "+" + configStamp;
        boolean changed = !stamp.equals(v.diskStamp) || configChanged;
        v.diskStamp = stamp;
        if (changed && v.failure != null) {
          v.failure = null;  // a new file or config: worth another try
        }
        if (loadNow && v.loadable && v.state != State.LOADING
            && (v.current == null ? v.failure == null || makeLoadable : changed || makeLoadable)) {
          toLoad.add(v);
        }
        if (!loadNow && changed && v.current != null && options.memoryBudget() > 0) {
          toLoad.add(v);  // a loaded version changed under a budget: reload it too (the old one serves meanwhile)
        }
      }
    }
    for (String version : removed) {
      removeVersions(name, version);
    }
    if (!removedKinds.isEmpty()) {
      scanModel(modelDir, name, loadNow, makeLoadable);  // the old kind is gone: add the new one
      return;
    }
    for (VersionEntry v : toLoad) {
      boolean initial;
      synchronized (this) {
        initial = v.current == null;
        if (initial && v.loading != null) {
          continue;  // a request is loading it now
        }
        if (initial) {
          v.loading = new CompletableFuture<>();
          v.state = State.LOADING;
        }
      }
      try {
        if (initial) {
          loadResident(v, -1, false);
        } else {
          reload(v);
        }
      } catch (ModelUnavailableException e) {
        // recorded in the entry (index and requests say why)
      }
    }
  }

  /** Removes one version (or, version null, a whole model) after its requests finish. Holds loadLock. */
  private void removeVersions(String name, String version) {
    List<Instance> toClose = new ArrayList<>();
    synchronized (this) {
      ModelEntry me = models.get(name);
      if (me == null) {
        return;
      }
      List<VersionEntry> going = me.versions.values().stream()
          .filter(v -> version == null || v.version.equals(version)).toList();
      going.forEach(v -> v.state = State.UNLOADING);
      drain(going, toClose, "removed from the repository");
      going.forEach(v -> me.versions.remove(Integer.parseInt(v.version)));
      if (me.versions.isEmpty()) {
        models.remove(name);
      }
      LOG.info("{}: {} removed from the repository", name, version == null ? "every version" : "version " + version);
    }
    toClose.forEach(Instance::closeSession);
  }

  /** Waits (holding this) until the versions' requests finish, then takes their sessions out. */
  private void drain(java.util.Collection<VersionEntry> versions, List<Instance> toClose, String reason) {
    boolean interrupted = false;
    while (versions.stream().anyMatch(v -> v.current != null && v.current.refs > 0)) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    for (VersionEntry v : versions) {
      if (v.current != null) {
        Instance inst = v.current;
        v.current = null;
        inst.retired = true;
        usedBytes -= inst.sizeBytes;
        toClose.add(inst);
      }
      v.state = State.UNAVAILABLE;
      v.reason = reason;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Loads a version that is not loaded (its loading future set by the caller), making room under the budget first;
   * the new instance holds one lease for the requesting caller when forRequest. Completes the future either way.
   */
  private Instance loadResident(VersionEntry v, long now, boolean forRequest) {
    List<Instance> toClose = new ArrayList<>();
    loadLock.lock();
    try {
      long budget = options.memoryBudget();
      if (budget > 0) {
        makeRoom(v, now, toClose);
      }
      toClose.forEach(Instance::closeSession);
      toClose.clear();
      Instance inst = open(v);
      synchronized (this) {
        if (closed) {
          toClose.add(inst);  // closed while this loaded: nobody will close it later
          throw new ModelUnavailableException("the model repository is closed (the server is shutting down)");
        }
        if (budget > 0 && usedBytes + inst.sizeBytes > budget) {
          trim(budget - inst.sizeBytes, v, toClose);  // the estimate was low: evict what is idle until it fits
        }
        install(v, inst, forRequest ? 1 : 0);
        v.loading.complete(null);
        v.loading = null;
      }
      return inst;
    } catch (ModelUnavailableException e) {
      synchronized (this) {
        v.state = State.UNAVAILABLE;
        v.reason = e.getMessage();
        v.loading.complete(null);
        v.loading = null;
      }
      throw e;
    } catch (RuntimeException e) {
      synchronized (this) {
        v.failure = e.getMessage();
        v.state = State.UNAVAILABLE;
        v.reason = "failed to load: " + e.getMessage();
        v.loading.complete(null);
        v.loading = null;
      }
      LOG.warn("{} is unavailable: {}", v.label(), e.getMessage());
      throw new ModelUnavailableException("model " + v.label() + " is unavailable: it failed to load: "
          + e.getMessage());
    } finally {
      loadLock.unlock();
      toClose.forEach(Instance::closeSession);
    }
  }

  /** A loaded version's file or config changed: load the new one beside it, then swap (old closes when idle). */
  private void reload(VersionEntry v) {
    List<Instance> toClose = new ArrayList<>();
    Instance fresh;
    try {
      if (options.memoryBudget() > 0) {
        synchronized (this) {
          makeRoomFor(v, estimate(v), clock, toClose, v);
        }
        toClose.forEach(Instance::closeSession);
        toClose.clear();
      }
      fresh = open(v);
    } catch (RuntimeException e) {
      LOG.warn("{}: reloading after a change failed, the loaded one keeps serving: {}", v.label(), e.getMessage());
      return;
    }
    synchronized (this) {
      if (closed) {
        toClose.add(fresh);
        toClose.forEach(Instance::closeSession);
        return;
      }
      Instance old = v.current;
      if (old != null) {
        old.retired = true;
        usedBytes -= old.sizeBytes;
        if (old.refs == 0) {
          toClose.add(old);
        }
      }
      v.current = null;
      if (options.memoryBudget() > 0 && usedBytes + fresh.sizeBytes > options.memoryBudget()) {
        trim(options.memoryBudget() - fresh.sizeBytes, v, toClose);
      }
      install(v, fresh, 0);
    }
    toClose.forEach(Instance::closeSession);
    LOG.info("reloaded {} after a change on disk", v.label());
  }

  /** Holding this: the instance becomes the version's loaded session. */
  private void install(VersionEntry v, Instance inst, int refs) {
    inst.refs = refs;
    v.current = inst;
    v.state = State.READY;
    v.failure = null;
    v.reason = "";
    v.lastDevice = inst.model.deviceName();
    usedBytes += inst.sizeBytes;
    peakUsedBytes = Math.max(peakUsedBytes, usedBytes);
    v.cache.sizeBytes(inst.sizeBytes);
    ModelStats s = stats(v.name);
    s.loads.increment();
    s.bytesLoaded.add(inst.sizeBytes);
    LOG.info("loaded {} on {}: {} bytes", v.label(), v.lastDevice, inst.sizeBytes);
  }

  /** Holds loadLock: evicts idle models until v fits, waiting for requests in flight up to the budget wait. */
  private void makeRoom(VersionEntry v, long now, List<Instance> toClose) {
    long need = estimate(v);
    if (need > options.memoryBudget()) {
      throw new ModelUnavailableException("model " + v.label() + " needs about " + need + " bytes, more than the "
          + "whole memory budget of " + options.memoryBudget() + " bytes");
    }
    synchronized (this) {
      makeRoomFor(v, need, now < 0 ? clock : now, toClose, null);
    }
  }

  /** Holding this: evicts until need more bytes fit (waits for leases to close; throws after the budget wait). */
  private void makeRoomFor(VersionEntry v, long need, long now, List<Instance> toClose, VersionEntry keep) {
    long deadline = System.nanoTime() + options.budgetWait().toNanos();
    boolean interrupted = false;
    try {
      while (usedBytes + need > options.memoryBudget()) {
        List<CacheEntry> candidates = new ArrayList<>();
        Map<CacheEntry, VersionEntry> byCache = new LinkedHashMap<>();
        for (ModelEntry m : models.values()) {
          for (VersionEntry o : m.versions.values()) {
            if (o != v && o != keep && o.current != null && o.current.refs == 0 && o.state == State.READY) {
              candidates.add(o.cache);
              byCache.put(o.cache, o);
            }
          }
        }
        if (candidates.isEmpty()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new ModelUnavailableException("model " + v.label() + " cannot load: the memory budget of "
                + options.memoryBudget() + " bytes is held by models with requests in flight; retry later");
          }
          try {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
          } catch (InterruptedException e) {
            interrupted = true;
            throw new ModelUnavailableException("model " + v.label() + " cannot load: interrupted");
          }
          continue;
        }
        for (CacheEntry victim : policy.victims(candidates, usedBytes + need - options.memoryBudget(), now)) {
          evict(byCache.get(victim), toClose);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Holding this: evicts idle models other than keep while the loaded ones hold more than budget. */
  private void trim(long budget, VersionEntry keep, List<Instance> toClose) {
    while (usedBytes > budget) {
      List<CacheEntry> candidates = new ArrayList<>();
      Map<CacheEntry, VersionEntry> byCache = new LinkedHashMap<>();
      for (ModelEntry m : models.values()) {
        for (VersionEntry o : m.versions.values()) {
          if (o != keep && o.current != null && o.current.refs == 0 && o.state == State.READY) {
            candidates.add(o.cache);
            byCache.put(o.cache, o);
          }
        }
      }
      if (candidates.isEmpty()) {
        return;  // everything else is in use: the next release or load trims again
      }
      for (CacheEntry victim : policy.victims(candidates, usedBytes - budget, clock)) {
        evict(byCache.get(victim), toClose);
      }
    }
  }

  /** Holding this: an idle loaded version leaves memory (its session closes after the lock is released). */
  private void evict(VersionEntry o, List<Instance> toClose) {
    Instance inst = o.current;
    o.current = null;
    inst.retired = true;
    usedBytes -= inst.sizeBytes;
    o.state = State.UNAVAILABLE;
    o.reason = "evicted to stay within the memory budget (loads again on the next request)";
    stats(o.name).evictions.increment();
    toClose.add(inst);
    LOG.debug("evicted {} ({} bytes) by {}", o.label(), inst.sizeBytes, policy.name());
  }

  /**
   * The bytes a load of v is expected to take: its last measured size; before its first load its file's size times
   * the largest ratio of measured size to file size seen so far (3 before any load: weights, packed weights, arena).
   */
  private long estimate(VersionEntry v) {
    if (v.cache.sizeBytes() > 0) {
      return v.cache.sizeBytes();
    }
    try {
      return (long) Math.ceil(Files.size(v.file) * (sizePerFileByte > 0 ? sizePerFileByte : 3));
    } catch (IOException e) {
      return 0;
    }
  }

  /** Reads and opens one version (outside this' lock); its size and load time are measured. */
  private Instance open(VersionEntry v) {
    SessionOptions sessionOptions;
    String stamp;
    synchronized (this) {
      ModelEntry me = models.get(v.name);
      if (me != null && me.configError != null) {
        throw EdgewiseException.invalidArgument(me.configError);
      }
      sessionOptions = me == null ? defaults : me.sessionOptions;
      stamp = v.diskStamp;
    }
    if (v.pipeline) {
      return openPipeline(v, stamp);
    }
    long t0 = System.nanoTime();
    Path real;
    byte[] bytes;
    // read once, by its real path inside the root, opened without following links (ConfinedFiles); the session
    // imports these bytes, and its external data is confined to the model's real directory
    try (ConfinedFiles.Opened f = ConfinedFiles.open(root, v.file, ErrorCode.INVALID_ARGUMENT, v.file.toString())) {
      if (f.size() > OnnxImporter.MAX_MODEL_BYTES) {
        throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, v.file + ": " + f.size() + " bytes is larger than "
            + "protobuf's 2 GiB limit");
      }
      real = f.realPath();
      bytes = f.read(0, (int) f.size());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, v.file + ": cannot read: " + e.getMessage(), e);
    }
    MemoryAccount account = new MemoryAccount();
    Session session;
    try (MemoryAccount.Scope scope = account.enter()) {
      session = Session.open(OnnxImporter.load(bytes, real), sessionOptions);
    }
    try {
      warmUp(session);
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long size = session.memoryBytes();
    synchronized (this) {
      v.cache.observeLoad(seconds, policy.loadCostWeight());
      stats(v.name).loadSeconds.add(seconds);
      sizePerFileByte = Math.max(sizePerFileByte, size / (double) Math.max(1, bytes.length));
    }
    return new Instance(new ServedModel(v.name, v.version, real, session.model().contentHash(), session, null), v,
        stamp, account, size);
  }

  /** A pipeline (see PipelineConfig): its sessions opened inside one account, which measures them all. */
  private Instance openPipeline(VersionEntry v, String stamp) {
    long t0 = System.nanoTime();
    byte[] config = readConfig(root, v.file);
    MemoryAccount account = new MemoryAccount();
    ServedPipeline pipeline;
    try (MemoryAccount.Scope scope = account.enter()) {
      pipeline = PipelineConfig.open(root, v.file, config, defaults, meters);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    synchronized (this) {
      v.cache.observeLoad(seconds, policy.loadCostWeight());
      stats(v.name).loadSeconds.add(seconds);
    }
    return new Instance(new ServedModel(v.name, v.version, v.file, null, null, null, pipeline), v, stamp, account,
        account.liveBytes());
  }

  /**
   * Two runs on zeros when every input's shape is known, as Triton's model warm-up: the first plans the memory arena
   * and packs what the device packs lazily, the second replays the plan and leaves the pooled buffers a steady run
   * keeps, so that this cost lands in the load and the size measured after it is the model's steady size.
   */
  private static void warmUp(Session session) {
    Map<String, Tensor> inputs = ZeroInputs.of(session);
    if (inputs == null) {
      return;  // a dynamic shape: the first request's shape decides; the size is measured again after it
    }
    try {
      session.run(inputs).values().forEach(Tensor::close);
      session.run(inputs).values().forEach(Tensor::close);
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  private static String diskStamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.size() + "@" + a.lastModifiedTime().toMillis() + "#" + a.fileKey();
    } catch (IOException e) {
      return "missing";
    }
  }

  private ServedModel snapshot(VersionEntry v) {
    if (v.current != null) {
      return v.current.model;
    }
    return new ServedModel(v.name, v.version, v.file, null, null, v.failure != null ? v.failure : reasonOf(v));
  }

  private String reasonOf(VersionEntry v) {
    if (v.failure != null) {
      return "it failed to load: " + v.failure;
    }
    if (v.state == State.UNLOADING) {
      return "it is being unloaded";
    }
    if (v.current != null) {
      return "";
    }
    return v.reason;
  }

  private VersionEntry entry(String name, String version) {
    ModelEntry m = name == null ? null : models.get(name);
    if (m == null || m.versions.isEmpty()) {
      return null;
    }
    if (version == null || version.isEmpty()) {
      return m.versions.lastEntry().getValue();
    }
    if (!VERSION.matcher(version).matches()) {
      return null;
    }
    return m.versions.get(Integer.parseInt(version));
  }

  private ModelStats stats(String name) {
    return stats.computeIfAbsent(name, n -> new ModelStats());
  }

  private double halfLife() {
    return policy.halfLife();
  }

  private void requireControl(String what) {
    if (options.control() != ModelControl.EXPLICIT) {
      throw EdgewiseException.invalidArgument("explicit model " + what + " is not allowed: the server runs with "
          + "model control " + options.control().name().toLowerCase(java.util.Locale.ROOT)
          + " (serve --model-control explicit allows it)");
    }
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new ModelUnavailableException("the model repository is closed (the server is shutting down)");
    }
  }

  /** A model's config.json read inside root (see ConfinedFiles), or null when there is none. */
  private static byte[] readConfig(Path root, Path file) {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return ConfinedFiles.readAll(root, file, ModelConfig.MAX_BYTES, ErrorCode.INVALID_ARGUMENT, file.toString());
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, dir + ": cannot list the directory: " + e.getMessage(), e);
    }
  }

  /** Stops polling and closes every session; waits for runs in flight (Session.close does). */
  @Override
  public void close() {
    ScheduledExecutorService p;
    List<Instance> toClose = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      p = poller;
      for (ModelEntry m : models.values()) {
        for (VersionEntry v : m.versions.values()) {
          if (v.current != null) {
            toClose.add(v.current);
            v.current.retired = true;
            v.current = null;
          }
        }
      }
      usedBytes = 0;
    }
    if (p != null) {
      p.shutdownNow();
    }
    control.shutdown();
    toClose.forEach(Instance::closeSession);
  }
}
