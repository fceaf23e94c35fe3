/**
 * Co-scheduling of concurrent models on one node (COSREL-style): per inference request of one of several models, a
 * {@link io.edgewise.adapt.cosched.CoschedPolicy} picks the device group (a device and a thread count, with its own
 * FIFO queue and worker) that runs it, seeing the node's {@link io.edgewise.adapt.cosched.NodeState} (queue lengths
 * and which groups are busy), and learns from each {@link io.edgewise.adapt.cosched.Observation} (measured wait,
 * service time and how busy the other groups were meanwhile). {@link io.edgewise.adapt.cosched.PlacementPolicy} is
 * the learned policy over whole placements (a home group per model, searched by {@link
 * io.edgewise.adapt.cosched.PlacementSearch} from learned service times, over the set of groups that {@link
 * io.edgewise.adapt.cosched.GroupSetSearch} keeps in use by measured throughput); {@link
 * io.edgewise.adapt.cosched.ContentionBandit} the per-request learner (a linear contextual bandit over the occupancy
 * of the other groups), whose estimates the placement policy uses; {@link io.edgewise.adapt.cosched.SingleGroup},
 * {@link io.edgewise.adapt.cosched.RoundRobin}, {@link io.edgewise.adapt.cosched.RandomGroup}, {@link
 * io.edgewise.adapt.cosched.LeastLoaded}, {@link io.edgewise.adapt.cosched.EarliestFinish} and {@link
 * io.edgewise.adapt.cosched.FixedPlacement} are the baselines.
 * Plain Java without I/O or clocks: the caller measures, so the same policies run on real devices and in simulation.
 * May import: {@code io.edgewise} and {@code io.edgewise.adapt} (its small linear algebra); no library outside the
 * JDK.
 */
package io.edgewise.adapt.cosched;
