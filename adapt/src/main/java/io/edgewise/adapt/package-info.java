/**
 * Online policies for split execution (ANS): a {@link PartitionPolicy} picks a cut point per request and learns from
 * what it observed; {@link MuLinUcb} is ANS's contextual bandit over the contexts of {@link CutContexts}, and
 * {@link NeurosurgeonPolicy} and {@link FixedPartition} are the static baselines. Model selection per request:
 * {@link ModelSelector} picks a variant of a model group for a device and user with a {@link LinearBandit} (LinUCB,
 * Thompson sampling, epsilon-greedy) rewarded by {@link Qoe}; {@link RegretTracker} keeps a run's regret;
 * {@link TimeBudgetRule} is MDInference's choice of a variant under a latency budget, fed by {@link LatencyStats}.
 * May import: {@code io.edgewise} and {@code io.edgewise.runtime.split}; no library outside the JDK.
 */
package io.edgewise.adapt;
