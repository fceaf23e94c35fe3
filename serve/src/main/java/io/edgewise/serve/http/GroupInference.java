package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.common.BudgetExpiredException;
import io.edgewise.serve.common.BudgetedGroup;
import io.edgewise.serve.common.ServedGroup;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.tensor.Tensor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Inference on a model group ({@link ServedGroup}): the request's time budget (parameter {@value #BUDGET}, else the
 * group's default) less the client's network estimate ({@value #NETWORK}, default 0) is the server's budget, from
 * which {@link BudgetedGroup} picks the variant by the latencies it measured, or runs the one the request pins
 * ({@value #VARIANT}); the work is dropped unrun (answered 504) when the request's whole budget has passed since its
 * arrival before it starts. The response's parameters say what happened: {@code edgewise_variant}, {@code edgewise_device},
 * {@code edgewise_server_ms} (arrival to answer, queueing included), {@code edgewise_run_ms} (the variant's run),
 * {@code edgewise_budget_ms} (the server's budget) and {@code edgewise_within_budget}. Metrics:
 * {@code edgewise_group_requests_total{group,variant,device,within_budget}},
 * {@code edgewise_group_dropped_total{group}} and {@code edgewise_group_run_seconds{group,variant,device}}.
 */
final class GroupInference {
  /** The request's end-to-end budget in ms, as the client counts it. */
  static final String BUDGET = "time_budget_ms";
  /** The client's estimate of the request's network time (both ways) in ms. */
  static final String NETWORK = "network_ms";
  /** A variant to run whatever the budget (static choice; still dropped when late). */
  static final String VARIANT = "variant";
  /** The largest budget taken (a day): beyond it the deadline arithmetic would mean nothing. */
  static final double MAX_BUDGET_MS = 86_400_000;

  private GroupInference() {}

  /** Checks, runs and encodes; the caller answers a {@link BudgetExpiredException} with 504. */
  static InferResponseEncoder.Encoded run(ByteBufAllocator alloc, ServedModel model, InferRequest request,
      long arrivalNanos, MeterRegistry metrics) {
    ServedGroup g = (ServedGroup) model.pipeline();
    if (!request.bytesInputs().isEmpty()) {
      throw EdgewiseException.invalidArgument("input '" + V2Datatype.clip(request.bytesInputs().keySet().iterator()
          .next()) + "' is BYTES; model group " + model.name() + " takes numeric tensors (its inputs are "
          + g.inputs().stream().map(v -> v.name()).toList() + ")");
    }
    if (request.outputs() != null) {
      for (InferRequest.RequestedOutput o : request.outputs()) {
        if (!g.outputNames().contains(o.name())) {
          throw EdgewiseException.invalidArgument("unknown output '" + V2Datatype.clip(o.name()) + "'; the group's "
              + "outputs are " + g.outputNames());
        }
      }
    }
    double budget = request.number(BUDGET, g.defaultBudgetMs());
    if (!(budget > 0 && budget <= MAX_BUDGET_MS)) {
      throw EdgewiseException.invalidArgument("the request's parameters: \"" + BUDGET + "\" must be in (0, "
          + (long) MAX_BUDGET_MS + "] ms, got " + budget);
    }
    double network = request.number(NETWORK, 0);
    if (!(network >= 0 && network <= MAX_BUDGET_MS)) {
      throw EdgewiseException.invalidArgument("the request's parameters: \"" + NETWORK + "\" must be in [0, "
          + (long) MAX_BUDGET_MS + "] ms, got " + network);
    }
    String pinned = request.text(VARIANT);
    if (pinned != null) {
      g.indexOf(pinned);  // an unknown variant is a 400 naming the group's variants
    }
    // dropped only when the request's own budget has passed since it arrived: then no network, however fast, brings
    // the answer in time; the network estimate narrows the choice of variant, never the drop (it is a mean, and the
    // request at hand may travel faster)
    long deadline = arrivalNanos + (long) (budget * 1e6);
    BudgetedGroup.Answer a;
    try {
      a = g.group().infer(request.inputs(), budget, network, deadline, pinned);
    } catch (BudgetExpiredException e) {
      Counter.builder("edgewise_group_dropped").description("Group requests dropped unrun: their budget had passed")
          .tag("group", model.name()).register(metrics).increment();
      throw e;
    }
    Map<String, Tensor> outputs = a.outputs();
    try {
      double serverMs = (System.nanoTime() - arrivalNanos) / 1e6;
      Counter.builder("edgewise_group_requests").description("Group requests answered, by the variant that ran")
          .tags("group", model.name(), "variant", a.variant(), "device", a.device(), "within_budget",
              Boolean.toString(a.eligible()))
          .register(metrics).increment();
      Timer.builder("edgewise_group_run").description("Run time of the group's variants (measured per request)")
          .tags("group", model.name(), "variant", a.variant(), "device", a.device())
          .register(metrics).record((long) (a.serverMs() * 1e6), TimeUnit.NANOSECONDS);
      Map<String, Object> parameters = new LinkedHashMap<>();
      parameters.put("edgewise_variant", a.variant());
      parameters.put("edgewise_device", a.device());
      parameters.put("edgewise_server_ms", round(serverMs));
      parameters.put("edgewise_run_ms", round(a.serverMs()));
      parameters.put("edgewise_budget_ms", round(budget - network));
      parameters.put("edgewise_within_budget", a.eligible());
      return InferResponseEncoder.encode(alloc, model.name(), model.version(), request, outputs, Map.of(),
          parameters);
    } finally {
      outputs.values().forEach(Tensor::close);
    }
  }

  private static double round(double ms) {
    return Math.round(ms * 1000) / 1000.0;
  }
}
