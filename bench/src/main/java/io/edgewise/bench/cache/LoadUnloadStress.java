package io.edgewise.bench.cache;

import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.cache.CachePolicy;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelControl;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.RepositoryOptions;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.http.HttpInferenceServer;
import io.edgewise.tensor.Tensor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load/unload under concurrent clients on loopback: explicit model control with a memory budget; `clients` threads
 * send inference to random models while one thread unloads and loads random models over the repository extension,
 * for `seconds`. Counts answers by status (503 while a model is unloaded or unloading is documented; anything else is
 * an error) and, after the server and repository close, what is left: leases, tensors, native bytes.
 */
final class LoadUnloadStress {
  private LoadUnloadStress() {}

  record Result(long requests, Map<String, Long> byStatus, long errors, List<String> firstErrors, long controlOps,
      long leasesAtEnd, long tensorsLeft, long nativeBytesLeft, long peakBytes, long budget) {}

  static Result run(Path repo, SessionOptions options, List<ModelPopulation.Member> members, long budget,
      int clients, int seconds, long seed) throws InterruptedException {
    long tensorsBefore = Tensor.liveCount();
    long nativeBefore = NativeCore.allocatedBytes();
    Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
    List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicLong errors = new AtomicLong();
    AtomicLong requests = new AtomicLong();
    AtomicLong controlOps = new AtomicLong();
    long leases;
    long peak;
    String token = TokenAuthenticator.generateToken();
    RepositoryOptions o = RepositoryOptions.defaults().withControl(ModelControl.EXPLICIT, Duration.ofHours(1))
        .withBudget(budget, CachePolicy.of("cremebrulee", null, seed));
    ServeLimits limits = ServeLimits.defaults().withConcurrency(ServeLimits.defaults().maxConcurrent(), 4 * clients);
    try (ModelRepository r = ModelRepository.open(repo, options, o);
        InferenceScheduler scheduler = new InferenceScheduler(limits)) {
      HttpInferenceServer server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0, r,
          TokenAuthenticator.of(List.of(token)), limits, scheduler, new ServeMetrics(scheduler), null, 2,
          Duration.ofSeconds(30)));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      try (EdgewiseClient client = EdgewiseClient.builder(server.url()).token(token)
          .requestTimeout(Duration.ofMinutes(2)).build()) {
        for (ModelPopulation.Member m : members) {
          control(http, server.url(), token, m.name(), "load");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          long s = seed + c;
          threads.add(new Thread(() -> {
            SplittableRandom random = new SplittableRandom(s);
            while (System.nanoTime() < deadline) {
              ModelPopulation.Member m = members.get(random.nextInt(members.size()));
              requests.incrementAndGet();
              String status;
              try {
                client.infer(m.name(), null, m.inputs(), true).values().forEach(Tensor::close);
                status = "200";
              } catch (RemoteException e) {
                status = Integer.toString(e.status());
              } catch (RuntimeException e) {
                status = "exception";
                if (firstErrors.size() < 5) {
                  firstErrors.add(e.toString());
                }
              }
              byStatus.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
              if (!status.equals("200") && !status.equals("503")) {
                errors.incrementAndGet();
              }
            }
          }, "stress-client-" + c));
        }
        threads.add(new Thread(() -> {
          SplittableRandom random = new SplittableRandom(seed - 1);
          while (System.nanoTime() < deadline) {
            String name = members.get(random.nextInt(members.size())).name();
            for (String op : List.of("unload", "load")) {
              int status = control(http, server.url(), token, name, op);
              controlOps.incrementAndGet();
              if (status != 200) {
                errors.incrementAndGet();
                if (firstErrors.size() < 5) {
                  firstErrors.add(op + " " + name + ": " + status);
                }
              }
            }
          }
        }, "stress-control"));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
          t.join();
        }
      } finally {
        server.close();
        scheduler.shutdown(30, TimeUnit.SECONDS);
      }
      leases = r.leasesOpen();
      peak = r.peakUsedBytes();
    }
    Map<String, Long> statuses = new TreeMap<>();
    byStatus.forEach((k, v) -> statuses.put(k, v.get()));
    return new Result(requests.get(), statuses, errors.get(), List.copyOf(firstErrors), controlOps.get(), leases,
        Tensor.liveCount() - tensorsBefore, NativeCore.allocatedBytes() - nativeBefore, peak, budget);
  }

  private static int control(HttpClient http, String url, String token, String name, String op) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url + "/v2/repository/models/" + name + "/" + op))
          .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
