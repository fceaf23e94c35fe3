package io.edgewise.bench.serve;

import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Main;
import io.edgewise.cli.RandomInputs;
import io.edgewise.cli.ThreadsOption;
import io.edgewise.EdgewiseException;
import io.edgewise.files.FileTrees;
import io.edgewise.runtime.LatencyStats;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.http.HttpInferenceServer;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "serve-bench", description = {
    "Bounded load test of the HTTP server on loopback: starts `serve` in-process over the given models, then runs",
    "closed-loop clients at each concurrency and prints measured throughput, p50 and p99 latency and errors."})
public final class ServeBenchCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", arity = "1..*", description = "model.onnx files or ONNX test directories.")
  List<Path> modelPaths;

  @Option(names = "--concurrency", paramLabel = "N", split = ",", defaultValue = "1,4,16,64",
      description = "Client concurrency levels (default: ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(names = "--requests", paramLabel = "N",
      defaultValue = "200", description = "Requests per model and level (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--max-seconds", paramLabel = "S",
      defaultValue = "30", description = "Stop a level after this many seconds (default: ${DEFAULT-VALUE}).")
  int maxSeconds;

  // the served models' device
  @Mixin
  DeviceOption device = new DeviceOption();

  @Option(names = "--workers", paramLabel = "N", description = "Server inference workers (default: cores).")
  Integer workers;

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Option(names = "--encodings", paramLabel = "NAME", split = ",", defaultValue = "binary",
      description = "Tensor encodings to compare: binary (the binary data extension), json (default: binary).")
  List<String> encodings;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (requests < 1 || maxSeconds < 1 || concurrency.stream().anyMatch(c -> c < 1 || c > 1024)) {
      throw Main.usage(spec, "--requests and --max-seconds must be positive, --concurrency levels in 1..1024");
    }
    if (encodings.isEmpty() || !List.of("binary", "json").containsAll(encodings)) {
      throw Main.usage(spec, "--encodings takes binary and/or json, got " + encodings);
    }
    PrintWriter out = spec.commandLine().getOut();
    int maxLevel = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
    ServeLimits d = ServeLimits.defaults();
    ServeLimits limits = d.withConcurrency(workers == null ? d.maxConcurrent() : workers, Math.max(64, maxLevel * 2));
    Path repo = Files.createTempDirectory("edgewise-serve-bench");
    try {
      List<String> names = buildRepository(repo);
      String token = TokenAuthenticator.generateToken();
      try (ModelRepository repository = ModelRepository.open(repo,
          SessionOptions.defaults().withDevice(device.name()).withThreads(threads.count()));
          InferenceScheduler scheduler = new InferenceScheduler(limits)) {
        for (ServedModel m : repository.all()) {
          if (!m.isReady()) {
            throw EdgewiseException.invalidArgument(m.label() + " failed to load: " + m.failure());
          }
        }
        HttpInferenceServer server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0,
            repository, TokenAuthenticator.of(List.of(token)), limits, scheduler, new ServeMetrics(scheduler), null,
            2, Duration.ofSeconds(30)));
        try (EdgewiseClient client = EdgewiseClient.builder(server.url()).token(token).build()) {
          out.printf("serve-bench: measured on loopback (%s), device %s, %d server workers, "
              + "%d requests per level (or %d s)%n", server.url(), device, limits.maxConcurrent(), requests,
              maxSeconds);
          out.printf("%-16s %-6s %5s %8s %7s %10s %9s %9s%n", "model", "tensor", "conc", "requests", "errors",
              "req/s", "p50 ms", "p99 ms");
          int totalErrors = 0;
          for (String name : names) {
            baseline(out, repository.find(name, null).orElseThrow(), client);
            for (String encoding : encodings) {
              for (int c : concurrency) {
                totalErrors += level(out, client, name, encoding.equals("binary"), c);
              }
            }
          }
          out.println(totalErrors == 0 ? "no errors" : totalErrors + " errors");
          return totalErrors == 0 ? 0 : Main.EXIT_FAILURE;
        } finally {
          server.close();
          scheduler.shutdown(30, TimeUnit.SECONDS);
        }
      }
    } finally {
      FileTrees.delete(repo);
    }
  }

  /** Copies each model into a fresh repository as NAME/1/model.onnx; returns the names. */
  private List<String> buildRepository(Path repo) throws IOException {
    List<String> names = new ArrayList<>();
    for (Path p : modelPaths) {
      Path file = Files.isDirectory(p) ? p.resolve("model.onnx") : p;
      if (!Files.isRegularFile(file)) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, file + ": no such model file");
      }
      Path named = Files.isDirectory(p) ? p : p.getParent();
      String name = named == null ? "model" : named.getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "_");
      if (names.contains(name)) {
        name = name + "_" + names.size();
      }
      Path dir = Files.createDirectories(repo.resolve(name).resolve("1"));
      Files.copy(file, dir.resolve("model.onnx"));
      names.add(name);
    }
    return names;
  }

  /** The same model run in-process without HTTP, so the rows below can be read as serving overhead. */
  private void baseline(PrintWriter out, ServedModel m, EdgewiseClient client) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    try {
      for (EdgewiseClient.TensorMetadata t : client.modelInputs(m.name(), null)) {
        inputs.put(t.name(), RandomInputs.of(t, 42));
      }
      LatencyStats local = LatencyStats.measure(m.session(), inputs, 2, Math.min(requests, 20));
      out.printf("%-16s local Session.run without HTTP: %s%n", m.name(), local.describe());
      out.flush();
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  /** One closed-loop level: c clients each sending the next request as soon as the last answer arrives. */
  private int level(PrintWriter out, EdgewiseClient client, String model, boolean binary, int c)
      throws InterruptedException {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    try {
      for (EdgewiseClient.TensorMetadata t : client.modelInputs(model, null)) {
        inputs.put(t.name(), RandomInputs.of(t, 42));
      }
      for (int i = 0; i < Math.min(4, c); i++) {  // warm-up: connections, JIT, the model's first runs
        client.infer(model, null, inputs, binary).values().forEach(Tensor::close);
      }
      AtomicInteger next = new AtomicInteger();
      AtomicInteger errors = new AtomicInteger();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
      List<Histogram> histograms = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      String[] firstError = new String[1];
      long t0 = System.nanoTime();
      for (int k = 0; k < c; k++) {
        Histogram h = new Histogram(3);
        histograms.add(h);
        Thread t = new Thread(() -> {
          while (next.getAndIncrement() < requests && System.nanoTime() < deadline) {
            long s = System.nanoTime();
            try {
              client.infer(model, null, inputs, binary).values().forEach(Tensor::close);
              h.recordValue((System.nanoTime() - s) / 1000);
            } catch (RuntimeException e) {
              errors.incrementAndGet();
              synchronized (firstError) {
                if (firstError[0] == null) {
                  firstError[0] = e.getMessage();
                }
              }
            }
          }
        }, "serve-bench-client-" + k);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Histogram all = new Histogram(3);
      histograms.forEach(all::add);
      long done = all.getTotalCount();
      out.printf("%-16s %-6s %5d %8d %7d %10.1f %9.2f %9.2f%n", model, binary ? "binary" : "json", c, done,
          errors.get(), done / seconds,
          all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0);
      if (firstError[0] != null) {
        out.println("  first error: " + firstError[0]);
      }
      out.flush();
      return errors.get();
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

}
