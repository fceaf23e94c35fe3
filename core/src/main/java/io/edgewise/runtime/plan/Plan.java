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
 */
public record Plan(String signature, List<String> devices, List<NodeEntry> nodes, List<Region> regions,
    List<Transfer> transfers, double predictedMs, String bestSingleDevice, double bestSingleDeviceMs,
    List<String> notes, List<Candidate> candidates) {
  public Plan {
    devices = List.copyOf(devices);
    nodes = List.copyOf(nodes);
    regions = List.copyOf(regions);
    transfers = List.copyOf(transfers);
    notes = List.copyOf(notes);
    candidates = candidates == null ? List.of() : List.copyOf(candidates);
  }

  /**
   * A candidate plan measured at planning ("mixed", or a device's whole-model plan): its predicted time and the
   * median of its timed runs then (ms), how many, and whether it was kept.
   */
  public record Candidate(String plan, double predictedMs, double measuredMs, int runs, boolean chosen) {}

  /** This plan with the candidates it was chosen from. */
  public Plan withCandidates(List<Candidate> c) {
    return new Plan(signature, devices, nodes, regions, transfers, predictedMs, bestSingleDevice, bestSingleDeviceMs,
        notes, c);
  }

  /** One node: its name (first output where unnamed), op and device. */
  public record NodeEntry(String name, String op, String device, double predictedMs) {}

  /**
   * One region: its device, node count, predicted time (nodes and the transfers of its inputs and outputs) and
   * measured time: the median wall time of its latest runs, transfers included (NaN before a timed run).
   */
  public record Region(String device, int nodes, double predictedMs, double measuredMs) {
    public Region withMeasured(double ms) {
      return new Region(device, nodes, predictedMs, ms);
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
        notes, candidates);
  }
}
