package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.cache.CachePolicy;
import io.edgewise.serve.common.ModelControl;
import io.edgewise.serve.common.ModelLease;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ModelUnavailableException;
import io.edgewise.serve.common.RepositoryOptions;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.tensor.Tensor;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model cache with real models under a measured budget: the policy's victim, the budget never exceeded, a model
 * in use never evicted, and a short load/unload stress with concurrent HTTP clients that must end with nothing held.
 */
class ModelCacheTest {
  @TempDir
  Path repo;

  /** Three copies of the digits model: a, b, c (one size each, measured). */
  private void threeModels() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      ServeFixture.addModel(repo, "digits_cnn_0to9", name, "1");
    }
  }

  /** One model's measured size: loaded alone. */
  private long sizeOfOne() {
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"),
        RepositoryOptions.defaults().withControl(ModelControl.EXPLICIT, Duration.ofHours(1)))) {
      r.load("a", null);
      return r.usedBytes();
    }
  }

  private ModelRepository cache(long budget, String policy, Duration wait) {
    RepositoryOptions o = RepositoryOptions.defaults().withBudget(budget, CachePolicy.of(policy, null, 1));
    o = new RepositoryOptions(o.control(), o.pollInterval(), o.memoryBudget(), o.policy(), wait);
    return ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"), o);
  }

  private static Map<String, ModelRepository.State> states(ModelRepository r) {
    Map<String, ModelRepository.State> m = new TreeMap<>();
    r.index(false).forEach(e -> m.put(e.name(), e.state()));
    return m;
  }

  @Test
  void lruEvictsTheOldestAndTheBudgetHolds() throws Exception {
    threeModels();
    long s = sizeOfOne();
    assertTrue(s > 40_000, "a digits model holds at least its weights: " + s);
    long budget = 2 * s + s / 2;  // room for two
    try (ModelRepository r = cache(budget, "lru", Duration.ofSeconds(60))) {
      // nothing loads before its first request
      assertEquals(0, r.loadedCount());
      for (String name : List.of("a", "b", "a", "c")) {
        try (ModelLease l = r.acquire(name, null)) {
          assertTrue(l.model().isReady());
        }
        assertTrue(r.usedBytes() <= budget, r.usedBytes() + " > " + budget);
      }
      // at c, a was used at 2 and b at 1: b goes
      assertEquals(Map.of("a", ModelRepository.State.READY, "b", ModelRepository.State.UNAVAILABLE,
          "c", ModelRepository.State.READY), states(r));
      assertEquals(1, r.stats().get("b").evictions());
      assertEquals(0, r.stats().get("a").evictions());
      assertEquals(1, r.stats().get("a").hits());
      assertEquals(1, r.stats().get("a").misses());
      assertEquals(2 * s, r.usedBytes());
      assertTrue(r.peakUsedBytes() <= budget);
      // b comes back on its next request
      try (ModelLease l = r.acquire("b", null)) {
        assertFalse(l.hit());
        assertTrue(l.loadWaitNanos() > 0);
      }
      assertEquals(2, r.stats().get("b").loads());
    }
  }

  @Test
  void aModelInUseIsNeverEvicted() throws Exception {
    threeModels();
    long s = sizeOfOne();
    long budget = 2 * s + s / 2;
    try (ModelRepository r = cache(budget, "lru", Duration.ofMinutes(5))) {
      ModelLease a = r.acquire("a", null);
      ModelLease b = r.acquire("b", null);
      CompletableFuture<ModelLease> c = CompletableFuture.supplyAsync(() -> r.acquire("c", null));
      while (states(r).get("c") != ModelRepository.State.LOADING) {
        Thread.onSpinWait();
      }
      // c waits for room: a and b are in use, neither may go
      assertFalse(c.isDone());
      assertEquals(ModelRepository.State.READY, states(r).get("a"));
      assertEquals(ModelRepository.State.READY, states(r).get("b"));
      a.close();  // a is idle now (and the least recently used): c evicts it
      try (ModelLease cl = c.get()) {
        assertFalse(cl.hit());
      }
      assertEquals(ModelRepository.State.UNAVAILABLE, states(r).get("a"));
      assertEquals(ModelRepository.State.READY, states(r).get("b"));
      b.close();
      assertTrue(r.usedBytes() <= budget);
    }
  }

  @Test
  void aModelLargerThanTheBudgetIsRefusedWithAReason() throws Exception {
    threeModels();
    try (ModelRepository r = cache(1000, "cremebrulee", Duration.ofSeconds(1))) {
      ModelUnavailableException e = assertThrows(ModelUnavailableException.class, () -> r.acquire("a", null));
      assertTrue(e.getMessage().contains("more than the whole memory budget"), e.getMessage());
      assertEquals(0, r.usedBytes());
    }
  }

  @Test
  void loadUnloadStressWithConcurrentClients() throws Exception {
    threeModels();
    long s = sizeOfOne();
    long budget = 2 * s + s / 2;
    long tensorsBefore = Tensor.liveCount();
    long nativeBefore = NativeCore.allocatedBytes();
    Set<Integer> statuses = ConcurrentHashMap.newKeySet();
    List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger ok = new AtomicInteger();
    RepositoryOptions o = RepositoryOptions.defaults().withControl(ModelControl.EXPLICIT, Duration.ofHours(1))
        .withBudget(budget, CachePolicy.of("cremebrulee", null, 1));
    try (ServeFixture f = ServeFixture.start(repo, "ref", o, ServeLimits.defaults().withConcurrency(2, 256))) {
      for (String name : List.of("a", "b", "c")) {
        assertEquals(200, ModelControlTest.post(f, "/v2/repository/models/" + name + "/load", ServeFixture.TOKEN, "")
            .statusCode());
      }
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        threads.add(new Thread(() -> {
          java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
          for (int i = 0; i < 30; i++) {
            String name = List.of("a", "b", "c").get(random.nextInt(3));
            try {
              HttpResponse<String> r = ModelControlTest.post(f, "/v2/models/" + name + "/infer", ServeFixture.TOKEN,
                  ModelControlTest.DIGITS_INFER);
              statuses.add(r.statusCode());
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
              } else if (r.statusCode() != 503) {
                unexpected.add(r.statusCode() + " " + r.body());
              }
            } catch (Exception e) {
              unexpected.add(e.toString());
            }
          }
        }));
      }
      Thread control = new Thread(() -> {
        for (int i = 0; i < 6; i++) {
          try {
            String op = i % 2 == 0 ? "unload" : "load";
            HttpResponse<String> r = ModelControlTest.post(f, "/v2/repository/models/c/" + op, ServeFixture.TOKEN,
                "");
            if (r.statusCode() != 200) {
              unexpected.add(op + " " + r.statusCode() + " " + r.body());
            }
          } catch (Exception e) {
            unexpected.add(e.toString());
          }
        }
      });
      threads.add(control);
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(List.of(), unexpected);
      assertTrue(ok.get() > 0, "statuses " + statuses);
      assertEquals(0, f.repository.leasesOpen());
      assertTrue(f.repository.usedBytes() <= budget, f.repository.usedBytes() + " > " + budget);
      assertTrue(f.repository.peakUsedBytes() <= budget, f.repository.peakUsedBytes() + " > " + budget);
    }
    assertEquals(tensorsBefore, Tensor.liveCount(), "tensors left open");
    assertEquals(nativeBefore, NativeCore.allocatedBytes(), "native memory left allocated");
  }
}
