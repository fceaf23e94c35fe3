package io.edgewise.serve.common;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The servers' Micrometer meters, exposed in the Prometheus text format by {@link #scrape()}:
 * <ul>
 *   <li>{@code edgewise_requests_total{protocol,endpoint,model,status}}: requests answered;</li>
 *   <li>{@code edgewise_request_duration_seconds{protocol,endpoint,model}}: latency histogram (Prometheus buckets);</li>
 *   <li>{@code edgewise_inference_queue_depth}, {@code edgewise_inference_running}: the scheduler now;</li>
 *   <li>{@code edgewise_device_busy_seconds_total{device}}: time spent running on each device, so that
 *       {@code rate(...)} is the device's utilisation in workers;</li>
 *   <li>{@code edgewise_device_utilization{device}}: that rate divided by the worker count, measured between two
 *       consecutive scrapes (0..1).</li>
 * </ul>
 * Tag values are bounded: model tags are only ever names found in the repository (or "-"), never raw request text.
 */
public final class ServeMetrics {
  /** Histogram bucket bounds: from a small model's loopback latency to a large model's under load. */
  private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final InferenceScheduler scheduler;
  private final Set<String> devicesRegistered = ConcurrentHashMap.newKeySet();
  private final Map<String, long[]> lastSample = new ConcurrentHashMap<>();
  private volatile ModelRepository repository;
  private final Set<String> modelsRegistered = ConcurrentHashMap.newKeySet();

  public ServeMetrics(InferenceScheduler scheduler) {
    this.scheduler = scheduler;
    Gauge.builder("edgewise_inference_queue_depth", scheduler, InferenceScheduler::queued)
        .description("Inference requests accepted and waiting for a worker").register(registry);
    Gauge.builder("edgewise_inference_running", scheduler, InferenceScheduler::running)
        .description("Inference requests running now").register(registry);
    Gauge.builder("edgewise_inference_workers", scheduler, InferenceScheduler::maxConcurrent)
        .description("Inference worker threads (the concurrency limit)").register(registry);
  }

  /** The registry, for a server that adds meters of its own (the peer protocol). */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Reports the repository's model cache: {@code edgewise_model_loads_total{model}},
   * {@code edgewise_model_evictions_total{model}}, {@code edgewise_model_load_seconds_total{model}},
   * {@code edgewise_model_loaded_bytes_total{model}}, {@code edgewise_model_cache_hits_total{model}} and
   * {@code edgewise_model_cache_misses_total{model}} (hit rate = hits / (hits + misses)), and
   * {@code edgewise_model_memory_bytes} / {@code edgewise_model_memory_budget_bytes} (measured bytes of the loaded
   * models, the budget; 0 for none).
   */
  public void watch(ModelRepository r) {
    this.repository = r;
    // the models' own meters (a pipeline's edgewise_reuse_*) go out with the server's
    r.meters().add(registry);
    Gauge.builder("edgewise_model_memory_bytes", r, ModelRepository::usedBytes)
        .description("Bytes the loaded models hold, measured from their allocations").register(registry);
    Gauge.builder("edgewise_model_memory_budget_bytes", r, x -> x.options().memoryBudget())
        .description("The model cache's memory budget (0: none)").register(registry);
    Gauge.builder("edgewise_models_loaded", r, ModelRepository::loadedCount)
        .description("Model versions loaded now").register(registry);
  }

  private void registerModels() {
    ModelRepository r = repository;
    if (r == null) {
      return;
    }
    r.stats().forEach((model, s) -> {
      if (modelsRegistered.add(model)) {
        FunctionCounter.builder("edgewise_model_loads", s, ModelRepository.ModelStats::loads)
            .description("Model version loads").tag("model", model).register(registry);
        FunctionCounter.builder("edgewise_model_evictions", s, ModelRepository.ModelStats::evictions)
            .description("Loaded versions evicted to stay within the memory budget").tag("model", model)
            .register(registry);
        FunctionCounter.builder("edgewise_model_load_seconds", s, ModelRepository.ModelStats::loadSeconds)
            .description("Time spent loading the model's versions (measured)").tag("model", model)
            .register(registry);
        FunctionCounter.builder("edgewise_model_loaded_bytes", s, ModelRepository.ModelStats::bytesLoaded)
            .description("Bytes of the loads (each load's measured size)").tag("model", model).register(registry);
        FunctionCounter.builder("edgewise_model_cache_hits", s, ModelRepository.ModelStats::hits)
            .description("Requests that found the model loaded").tag("model", model).register(registry);
        FunctionCounter.builder("edgewise_model_cache_misses", s, ModelRepository.ModelStats::misses)
            .description("Requests that waited for the model to load").tag("model", model).register(registry);
      }
    });
  }

  /** Counts one answered request and its latency. */
  public void record(String protocol, String endpoint, String model, int status, long nanos) {
    String m = model == null ? "-" : model;
    Counter.builder("edgewise_requests").description("Requests answered")
        .tags("protocol", protocol, "endpoint", endpoint, "model", m, "status", Integer.toString(status))
        .register(registry).increment();
    Timer.builder("edgewise_request_duration").description("Time from a request's arrival to its answer")
        .tags("protocol", protocol, "endpoint", endpoint, "model", m)
        .serviceLevelObjectives(BUCKETS)
        .register(registry).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    registerModels();
    for (String device : scheduler.devices()) {
      if (devicesRegistered.add(device)) {
        FunctionCounter.builder("edgewise_device_busy_seconds", scheduler, s -> s.busySeconds(device))
            .description("Time the inference workers spent running on the device").tag("device", device)
            .register(registry);
        Gauge.builder("edgewise_device_utilization", this, self -> self.utilisationSinceLastSample(device))
            .description("Busy fraction of the device's workers between the last two scrapes (measured)")
            .tag("device", device).register(registry);
      }
    }
    return registry.scrape();
  }

  /** The content type of {@link #scrape()}. */
  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  private double utilisationSinceLastSample(String device) {
    long now = System.nanoTime();
    long busy = (long) (scheduler.busySeconds(device) * 1e9);
    long[] prev = lastSample.put(device, new long[] {now, busy});
    if (prev == null || now <= prev[0]) {
      return 0;
    }
    return Math.min(1.0, (busy - prev[1]) / (double) (now - prev[0]) / scheduler.maxConcurrent());
  }
}
