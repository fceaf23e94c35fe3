package io.edgewise.runtime.plan;

import java.util.List;

/**
 * A placement of a model's nodes on devices, as the planner chose it for one input signature: where each node runs,
 * the regions (runs of nodes on one device, executed in order) with their predicted time and, once the session has
 * run, their measured time, the values that cross between devices, and the planner's notes (devices left out and
 * why, the best single device for comparison).
 *
 * @param signature the input dtypes and shapes planned for
 * @param devices the devices the planner considered (those that opened and were calibrated)
 * @param nodes every node, in graph order
 * @param regions the regions, in execution order
 * @param transfers values moved between devices (or to and from the host where a device is not the host's cpu)
 * @param predictedMs the plan's predicted latency (every region's)
 * @param bestSingleDevice the single device with the least predicted latency, and that latency
 * @param notes why devices were left out or the plan was made again; empty when nothing happened
 * @param candidates the plans measured against each other before this one was kept (empty where none were: a plan
 *     whose assignment used one device from the start, or injected figures)
 * @param checks the plan's devices' whole runs timed beside its own runs ({@link PlannedExecutable#check}), by which
 *     the regions' predictions were scaled; empty where none ran
 */
public record Plan(String signature, List<String> devices, List<NodeEntry> nodes, List<Region> regions,
    List<Transfer> transfers, double predictedMs, String bestSingleDevice, double bestSingleDeviceMs,
    List<String> notes, List<Candidate> candidates, List<Check> checks) {
  public Plan {
    devices = List.copyOf(devices);
    nodes = List.copyOf(nodes);
    regions = List.copyOf(regions);
    transfers = List.copyOf(transfers);
    notes = List.copyOf(notes);
    candidates = candidates == null ? List.of() : List.copyOf(candidates);
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  public Plan(String signature, List<String> devices, List<NodeEntry> nodes, List<Region> regions,
      List<Transfer> transfers, double predictedMs, String bestSingleDevice, double bestSingleDeviceMs,
      List<String> notes, List<Candidate> candidates) {
    this(signature, devices, nodes, regions, transfers, predictedMs, bestSingleDevice, bestSingleDeviceMs, notes,
        candidates, List.of());
  }

  /**
   * A device's whole-model run timed beside the plan's runs: its time as the figures predict it, the median
   * measured, over how many runs, and the factor the device's regions were predicted at ({@link DriftCheck#factor}
   * from 1: 1 where within the margin).
   */
  public record Check(String device, double predictedMs, double measuredMs, int runs, double factor) {}

  /**
   * This plan with its devices checked: each region's prediction is its figures' ({@link Region#profileMs}) times
   * its device's factor (1 for a device not checked), the whole plan's the sum of its regions'.
   */
  public Plan withChecks(List<Check> c) {
    java.util.Map<String, Double> factor = new java.util.HashMap<>();
    c.forEach(k -> factor.put(k.device(), k.factor()));
    List<Region> r = new java.util.ArrayList<>();
    double total = 0;
    for (Region g : regions) {
      double ms = g.profileMs() * factor.getOrDefault(g.device(), 1.0);
      total += ms;
      r.add(new Region(g.device(), g.nodes(), ms, g.measuredMs(), g.profileMs()));
    }
    return new Plan(signature, devices, nodes, r, transfers, c.isEmpty() ? predictedMs : total, bestSingleDevice,
        bestSingleDeviceMs, notes, candidates, c);
  }

  /**
   * A candidate plan measured at planning ("mixed", or a device's whole-model plan): its predicted time and the
   * median of its timed runs then (ms), how many, and whether it was kept.
   */
  public record Candidate(String plan, double predictedMs, double measuredMs, int runs, boolean chosen) {}

  /** This plan with the candidates it was chosen from. */
  public Plan withCandidates(List<Candidate> c) {
    return new Plan(signature, devices, nodes, regions, transfers, predictedMs, bestSingleDevice, bestSingleDeviceMs,
        notes, c, checks);
  }

  /** One node: its name (first output where unnamed), op and device. */
  public record NodeEntry(String name, String op, String device, double predictedMs) {}

  /**
   * One region: its device, node count, predicted time (nodes and the transfers of its inputs and outputs), measured
   * time (the median wall time of its latest runs, transfers included; NaN before a timed run) and the prediction
   * from the figures as planned ({@code profileMs}; the same as {@code predictedMs} unless a check beside the runs
   * scaled it: {@link #withChecks}).
   */
  public record Region(String device, int nodes, double predictedMs, double measuredMs, double profileMs) {
    public Region(String device, int nodes, double predictedMs, double measuredMs) {
      this(device, nodes, predictedMs, measuredMs, predictedMs);
    }

    public Region withMeasured(double ms) {
      return new Region(device, nodes, predictedMs, ms, profileMs);
    }
  }

  /** One value crossing devices ("host" for graph inputs and outputs), with its predicted cost (both sides). */
  public record Transfer(String value, String from, String to, long bytes, double predictedMs) {}

  /** Whether the plan uses more than one device. */
  public boolean mixed() {
    return regions.stream().map(Region::device).distinct().count() > 1;
  }

  /** This plan with the regions' measured times. */
  public Plan withMeasured(double[] ms) {
    List<Region> r = new java.util.ArrayList<>();
    for (int i = 0; i < regions.size(); i++) {
      r.add(regions.get(i).withMeasured(i < ms.length ? ms[i] : Double.NaN));
    }
    return new Plan(signature, devices, nodes, r, transfers, predictedMs, bestSingleDevice, bestSingleDeviceMs,
        notes, candidates, checks);
  }
}
