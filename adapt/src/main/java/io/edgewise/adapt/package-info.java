/**
 * Online policies for split execution (ANS): a {@link PartitionPolicy} picks a cut point per request and learns from
 * what it observed; {@link MuLinUcb} is ANS's contextual bandit over the contexts of {@link CutContexts}, and
 * {@link NeurosurgeonPolicy} and {@link FixedPartition} are the static baselines. May import: {@code io.edgewise} and
 * {@code io.edgewise.runtime.split}; no library outside the JDK.
 */
package io.edgewise.adapt;
