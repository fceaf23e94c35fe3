/**
 * The placement planner behind the `auto` device: a cost model per (op, input shapes, attributes, device) kept in a
 * per-machine {@link io.edgewise.runtime.plan.ProfileDb} (measured once on each device by {@link
 * io.edgewise.runtime.plan.Calibrator}, with each device's transfer cost per call and per byte), the placement as a
 * {@link io.edgewise.runtime.plan.PlanProblem} solved by {@link io.edgewise.runtime.plan.RegionPlanner} (dynamic
 * programming over the topological order), and {@link io.edgewise.runtime.plan.PlannedExecutable}, which plans at the
 * first run of each input signature and runs the regions as a {@link
 * io.edgewise.runtime.partition.PartitionedExecutable}. May import: io.edgewise (EdgewiseException),
 * io.edgewise.tensor, io.edgewise.model, io.edgewise.model.shapes, io.edgewise.backend,
 * io.edgewise.runtime.partition; Jackson, SLF4J.
 */
package io.edgewise.runtime.plan;
