package io.edgewise.bench.cache;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The resident set of a real `edgewise serve --memory-budget` process under a replayed trace: the server runs in its
 * own JVM (a child of this one, with serve's default heap of the launcher, -Xmx512m, this JVM's classpath and
 * environment: LD_PRELOAD of libjsig and any MALLOC_* setting are inherited; MALLOC_MMAP_THRESHOLD_ and
 * MALLOC_TRIM_THRESHOLD_ default to the launcher's 131072), the trace is sent to it over HTTP on
 * loopback one request at a time, and its VmRSS is read from /proc after each request. Measured.
 */
final class ServeProcessRss {
  /**
   * What one run measured: RSS when ready (before any request), its peak and at the end, the kernel's high-water mark
   * (VmHWM), the largest model memory the server reported (/metrics edgewise_model_memory_bytes, read after each
   * request), failed requests, and where each request's RSS was (bytes, one per request).
   */
  record Result(String policy, long budget, long rssReady, long rssPeak, long rssEnd, long rssHighWater,
      long modelBytesPeak, long failures, long requests, long[] rssAfter, String heap) {}

  private ServeProcessRss() {}

  static Result run(Path repo, Map<String, ModelPopulation.Member> byName, List<String> trace, long budget,
      String policy, String device, String heap) throws IOException, InterruptedException {
    String token = TokenAuthenticator.generateToken();
    Path tokenFile = Files.createTempFile("edgewise-cache-bench-token", ".txt");
    Files.writeString(tokenFile, token + "\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add(heap);
    cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens",
        "java.base/sun.nio.ch=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
        System.getProperty("java.class.path"), "io.edgewise.cli.Main", "serve", "--models", repo.toString(),
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--token-file", tokenFile.toString(),
        "--memory-budget", Long.toString(budget), "--cache-policy", policy, "--device", device));
    Path log = Files.createTempFile("edgewise-cache-bench-serve", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    // as the launcher starts serve: a fixed glibc mmap threshold unless this environment sets one
    pb.environment().putIfAbsent("MALLOC_MMAP_THRESHOLD_", "131072");
    pb.environment().putIfAbsent("MALLOC_TRIM_THRESHOLD_", "131072");
    Process p = pb.start();
    try (EdgewiseClient client = EdgewiseClient.builder("http://127.0.0.1:" + port).token(token)
        .requestTimeout(Duration.ofMinutes(2)).build()) {
      waitReady(client, p, log);
      long pid = p.pid();
      long ready = rss(pid, "VmRSS:");
      long peak = ready;
      long modelPeak = 0;
      long failures = 0;
      long[] after = new long[trace.size()];
      for (int i = 0; i < trace.size(); i++) {
        String name = trace.get(i);
        try {
          client.infer(name, null, byName.get(name).inputs(), true).values().forEach(Tensor::close);
        } catch (RuntimeException e) {
          failures++;
        }
        after[i] = rss(pid, "VmRSS:");
        peak = Math.max(peak, after[i]);
        modelPeak = Math.max(modelPeak, gauge(client.metrics(), "edgewise_model_memory_bytes"));
      }
      long end = rss(pid, "VmRSS:");
      long hwm = rss(pid, "VmHWM:");
      return new Result(policy, budget, ready, peak, end, hwm, modelPeak, failures, trace.size(), after, heap);
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      Files.deleteIfExists(tokenFile);
      Files.deleteIfExists(log);
    }
  }

  private static void waitReady(EdgewiseClient client, Process p, Path log) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw EdgewiseException.invalidArgument("the serve process exited (" + p.exitValue() + ") before it was ready: "
            + Files.readString(log).strip());
      }
      try {
        if (client.isReady()) {
          return;
        }
      } catch (RuntimeException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw EdgewiseException.invalidArgument("the serve process was not ready after 120 s: "
        + Files.readString(log).strip());
  }

  /** A field of /proc/PID/status in bytes (VmRSS:, VmHWM:), or -1. */
  static long rss(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** A gauge's value in Prometheus text (the first sample of that name), or 0. */
  static long gauge(String metrics, String name) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        String v = line.substring(line.lastIndexOf(' ') + 1);
        try {
          return (long) Double.parseDouble(v);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }
}
