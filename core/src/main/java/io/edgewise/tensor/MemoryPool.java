package io.edgewise.tensor;

import io.edgewise.nativecore.NativeCore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recycles tensor memory across the runs of one executable, so that steady-state inference allocates no native
 * memory, and lays a run's tensors out the way ONNX Runtime's and TensorFlow Lite's memory planners do. Tensors
 * allocated on a thread inside {@link #use} come from the pool.
 *
 * <p>The first run is recorded: the size and lifetime of every tensor it allocates. From that record an
 * {@link ArenaPlan} places the tensors in one arena, reusing addresses whose tensors are dead, and later runs that
 * allocate the same sizes in the same order take their tensors from the arena: a layer then writes into memory
 * that the previous layers just used, still in cache (the stem of SqueezeNet wrote 3 MB into a buffer last touched
 * a whole run before: 340 us in the network, 230 us with the buffer in cache). Every arena tensor is checked
 * against the arena tensors alive at the time, so a run that departs from the record (other shapes, other order)
 * falls back to the buffers below for the rest of it, and the plan is recorded again (at most twice). Tensors that
 * outlive a run (its outputs) never come from the arena, and only one run at a time uses it.
 *
 * <p>Plans are kept per key ({@link #use(Object)}: the executable's input shapes), the {@value #MAX_PLANS} most
 * recently used, so a model fed inputs of a few shapes in turn (a detector fed pages of a few sizes) replays each
 * shape's plan instead of dropping it at every change of shape (before, a change of shape departed from the one plan,
 * freed the arena, recorded the next run again, and after two such changes stopped planning for good). The plans
 * share one arena, as large as the largest of them. A key's first run is recorded only when no plan exists yet; other
 * keys are recorded on their second run, so shapes that never come back cost no planning.
 *
 * <p>Otherwise buffers are pooled by size class (the size rounded up to a power of two) and handed out most
 * recently freed first. Bounded: past {@code maxPooledBytes} closed buffers are freed. close() frees what the pool
 * holds; buffers still owned by tensors are freed when those close.
 */
public final class MemoryPool implements AutoCloseable {
  private static final ThreadLocal<MemoryPool> CURRENT = new ThreadLocal<>();
  private static final ThreadLocal<Run> RUN = new ThreadLocal<>();
  /** Plans recorded again after runs that departed from theirs, before the pool stops planning (per key). */
  private static final int MAX_REPLANS = 2;
  /** Plans kept, least recently used evicted first. */
  static final int MAX_PLANS = 8;
  /** Keys remembered (whether seen before, and how often their plan was departed from). */
  private static final int MAX_SEEN = 4 * MAX_PLANS;
  /** The key of {@link #use()}: a caller with one kind of run. */
  private static final Object UNKEYED = new Object();

  private final long maxPooledBytes;
  private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
  private long pooledBytes;
  private boolean closed;

  /** The plans by key, in access order (an LRU of {@value #MAX_PLANS}). */
  private final LruMap<Object, ArenaPlan> plans = new LruMap<>(MAX_PLANS);
  /** Keys seen, each with how many of its plans were dropped after a run departed from them. */
  private final LruMap<Object, int[]> seen = new LruMap<>(MAX_SEEN);
  private long arena;  // base address; 0: none
  private long arenaBytes;
  private int arenaSlicesOut;  // arena tensors not yet closed
  private Run recorder;  // the run being recorded, or null
  private Run replayer;  // the run using the arena, or null

  /** Charged for every block this pool holds (the arena, the size classes, tensors out of it); may be null. */
  private final MemoryAccount account;

  /** A pool whose memory is charged to the account current on this thread (its owner's, when it compiles). */
  public MemoryPool(long maxPooledBytes) {
    this.maxPooledBytes = maxPooledBytes;
    this.account = MemoryAccount.current();
  }

  private long allocate(long bytes) {
    long address = NativeCore.allocate(bytes);
    if (account != null) {
      account.charge(Math.max(bytes, 1));
    }
    return address;
  }

  private void free(long address, long bytes) {
    NativeCore.free(address);
    if (account != null) {
      account.credit(Math.max(bytes, 1));
    }
  }

  private void freeClasses() {
    free.forEach((capacity, list) -> list.forEach(a -> free(a, capacity)));
    free.clear();
  }

  /**
   * One run (one {@link #use} scope) on one thread: the run being recorded ({@link #recorder}), the one using the
   * arena ({@link #replayer}), or one taking from the size classes only.
   */
  private static final class Run {
    final Object key;
    final ArenaPlan plan;  // the plan a replayer follows

    Run(Object key, ArenaPlan plan) {
      this.key = key;
      this.plan = plan;
    }

    // RECORD: allocation order, sizes and lifetimes (in events: an allocation or a release each)
    final List<Long> sizes = new ArrayList<>();
    final List<Integer> born = new ArrayList<>();
    final List<Integer> died = new ArrayList<>();
    final Map<Long, Integer> stepOf = new HashMap<>();
    int clock;
    // REPLAY: the next step and the arena tensors alive now, as [start, end) offsets
    int step;
    final List<long[]> live = new ArrayList<>();
    boolean departed;
    boolean failed;  // the run threw: its record is partial, its departures say nothing about the plan
  }

  /** Makes this pool the source of tensors allocated on the calling thread until the returned scope closes. */
  public Use use() {
    return use(UNKEYED);
  }

  /**
   * As {@link #use()}, for a run of kind {@code key} (equal keys: runs that allocate alike, e.g. equal input shapes):
   * it replays the plan recorded for its key.
   */
  public Use use(Object key) {
    Run run;
    synchronized (this) {
      ArenaPlan plan = closed ? null : plans.get(key);
      int[] departures = seen.get(key);
      boolean seenBefore = departures != null;
      if (!seenBefore && !closed) {
        departures = new int[1];
        seen.put(key, departures);
      }
      if (plan != null && replayer == null && arenaSlicesOut == 0) {
        fitArena();
        run = new Run(key, plan);
        replayer = run;
      } else if (!closed && plan == null && recorder == null && arenaSlicesOut == 0 && departures[0] <= MAX_REPLANS
          && (seenBefore || plans.isEmpty())) {
        run = new Run(key, null);
        recorder = run;
      } else {
        run = new Run(key, null);
      }
    }
    MemoryPool previousPool = CURRENT.get();
    Run previousRun = RUN.get();
    CURRENT.set(this);
    RUN.set(run);
    return () -> {
      CURRENT.set(previousPool);
      RUN.set(previousRun);
      finish(run);
    };
  }

  /** The scope of {@link #use}; closing it restores the thread's previous pool. */
  @FunctionalInterface
  public interface Use extends AutoCloseable {
    @Override
    void close();
  }

  static MemoryPool current() {
    return CURRENT.get();
  }

  /**
   * Marks the calling thread's run of this pool as failed (call before its {@link Use} closes): a failed first run
   * is not planned from, and a failed run that left the plan does not count against it.
   */
  public void runFailed() {
    Run run = RUN.get();
    if (run != null && CURRENT.get() == this) {
      run.failed = true;
    }
  }

  /**
   * Whether this address is an arena tensor's. Its tensor is not registered with the Cleaner (a registration per
   * tensor per node was a visible share of a small model's run): the run that takes it closes it before its scope
   * ends, and {@link #finish} counts one that it did not as a leak.
   */
  synchronized boolean inArena(long address) {
    return arena != 0 && address >= arena && address < arena + arenaBytes;
  }

  /** Memory of exactly `bytes`, recycled when possible; zero-filled unless the caller will write all of it. */
  synchronized long take(long bytes, boolean zeroed) {
    Run run = RUN.get();
    if (run != null && run == replayer && !run.departed) {
      long address = fromArena(run, bytes);
      if (address != 0) {
        if (zeroed) {
          NativeCore.zero(address, bytes);
        }
        return address;
      }
    }
    long address = fromClasses(bytes, zeroed);
    if (run != null && run == recorder) {
      run.stepOf.put(address, run.sizes.size());
      run.sizes.add(bytes);
      run.born.add(run.clock++);
      run.died.add(-1);
    }
    return address;
  }

  /** The arena tensor of the run's next step, or 0 (the step outlives the run, or the run left its record). */
  private long fromArena(Run run, long bytes) {
    ArenaPlan plan = run.plan;
    if (run.step >= plan.steps() || plan.size(run.step) != bytes) {
      run.departed = true;
      return 0;
    }
    long offset = plan.offset(run.step++);
    if (offset < 0) {
      return 0;
    }
    long end = offset + ArenaPlan.aligned(bytes);
    if (end > arenaBytes) {
      run.departed = true;  // never past the arena (it is sized before each replay; this only guards that)
      return 0;
    }
    for (long[] r : run.live) {
      if (r[0] < end && offset < r[1]) {
        run.departed = true;  // alive together now but not in the record: never share their memory
        return 0;
      }
    }
    run.live.add(new long[] {offset, end});
    arenaSlicesOut++;
    return arena + offset;
  }

  private long fromClasses(long bytes, boolean zeroed) {
    long capacity = sizeClass(bytes);
    ArrayDeque<Long> list = closed ? null : free.get(capacity);
    if (list != null && !list.isEmpty()) {
      long address = list.pop();
      pooledBytes -= capacity;
      if (zeroed) {
        NativeCore.zero(address, bytes);
      }
      return address;
    }
    // the size class even after close: give() frees by the size class, so the account is credited what it was charged
    return allocate(capacity);
  }

  /** The capacity a pooled buffer of {@code bytes} gets: the next power of two (at least 64 bytes). */
  static long sizeClass(long bytes) {
    return bytes <= 64 ? 64 : Long.highestOneBit(bytes - 1) << 1;
  }

  /** Takes memory back from a closed tensor (or frees it, when the pool is closed or full). */
  synchronized void give(long address, long bytes) {
    if (arena != 0 && address >= arena && address < arena + arenaBytes) {
      arenaSlicesOut--;
      if (replayer != null) {
        long offset = address - arena;
        List<long[]> live = replayer.live;
        for (int i = live.size() - 1; i >= 0; i--) {  // a loop: this runs for every arena tensor of every run
          if (live.get(i)[0] == offset) {
            live.remove(i);
            break;
          }
        }
      }
      if (arenaSlicesOut == 0 && (closed || plans.isEmpty()) && replayer == null) {
        freeArena();
      }
      return;
    }
    if (recorder != null) {
      Integer step = recorder.stepOf.remove(address);
      if (step != null) {
        recorder.died.set(step, recorder.clock++);
      }
    }
    long capacity = sizeClass(bytes);
    if (closed || pooledBytes + capacity > maxPooledBytes) {
      free(address, capacity);
      return;
    }
    free.computeIfAbsent(capacity, k -> new ArrayDeque<>()).push(address);
    pooledBytes += capacity;
  }

  private synchronized void finish(Run run) {
    if (run == recorder) {
      recorder = null;
      if (closed || run.sizes.isEmpty() || run.failed) {
        return;
      }
      int n = run.sizes.size();
      long[] sizes = new long[n];
      int[] born = new int[n];
      int[] died = new int[n];
      for (int i = 0; i < n; i++) {
        sizes[i] = run.sizes.get(i);
        born[i] = run.born.get(i);
        died[i] = run.died.get(i);
      }
      plans.put(run.key, ArenaPlan.of(sizes, born, died));  // may evict the least recently used plan
      fitArena();
      // what the recorded run took now lives in the arena: keep only what later runs still take from the classes
      freeClasses();
      pooledBytes = 0;
    } else if (run == replayer) {
      replayer = null;
      if (!run.live.isEmpty()) {
        // arena tensors still open after their run: a bug in the run's owner (its tensors carry no Cleaner)
        NativeBuffer.arenaLeaks(run.live.size());
      }
      if (run.departed && !run.failed) {
        plans.remove(run.key);
        int[] departures = seen.get(run.key);
        if (departures != null) {
          departures[0]++;
        }
        if (arenaSlicesOut == 0) {
          fitArena();
        }
      }
    }
  }

  /**
   * Sizes the arena to the largest plan kept (none without plans): grown before a replay that needs more, shrunk
   * when the plan that needed it went. Only while no arena tensor is out and no run replays (a replaying run on
   * another thread takes its next tensors from the arena as it is).
   */
  private void fitArena() {
    long need = 0;
    for (ArenaPlan p : plans.values()) {
      need = Math.max(need, p.arenaBytes());
    }
    if (need == arenaBytes || arenaSlicesOut > 0 || replayer != null) {
      return;
    }
    freeArena();
    if (need > 0) {
      arena = allocate(need);
      arenaBytes = need;
    }
  }

  /** Whether a plan is kept for this key (for tests of the bound). */
  synchronized boolean hasPlan(Object key) {
    return plans.containsKey(key);
  }

  /** Plans kept now. */
  public synchronized int planCount() {
    return plans.size();
  }

  private void freeArena() {
    if (arena != 0) {
      free(arena, arenaBytes);
      arena = 0;
      arenaBytes = 0;
    }
  }

  /** Bytes held for reuse right now in the size classes. */
  public synchronized long pooledBytes() {
    return pooledBytes;
  }

  /** Bytes of the arena, the largest plan's (0 before the first run ends or when planning stopped). */
  public synchronized long arenaBytes() {
    return arenaBytes;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    freeClasses();
    pooledBytes = 0;
    plans.clear();
    if (arenaSlicesOut == 0) {
      freeArena();
    }
  }

  /** A map that keeps its {@code bound} most recently used entries (get and put count as uses). */
  static final class LruMap<K, V> extends LinkedHashMap<K, V> {
    private static final long serialVersionUID = 1L;
    private final int bound;

    LruMap(int bound) {
      super(16, 0.75f, true);
      this.bound = bound;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
      return size() > bound;
    }
  }
}
