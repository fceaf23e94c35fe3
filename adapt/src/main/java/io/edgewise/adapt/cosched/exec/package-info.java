/**
 * Runs the co-scheduler's decisions on real sessions: a {@link io.edgewise.adapt.cosched.exec.DeviceGroup} is a
 * device and thread count with one session per model, and {@link io.edgewise.adapt.cosched.exec.CoRunner} gives
 * each group a FIFO queue and a worker thread, asks a policy where each submitted request goes, measures its wait,
 * its run and how busy the other groups were meanwhile, and reports that to the policy and to the caller. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.runtime} and {@code io.edgewise.adapt.cosched};
 * SLF4J.
 */
package io.edgewise.adapt.cosched.exec;
