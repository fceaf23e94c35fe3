/**
 * Dynamic inference levels (Dystri, issue 25): a {@link io.edgewise.adapt.dystri.LevelLadder} is the ordered list of
 * {@link io.edgewise.adapt.dystri.Level}s a request can be served at (cheapest first, each with its measured accuracy
 * and cost; the cheapest is always available), {@link io.edgewise.adapt.dystri.LevelCosts} follows each level's
 * measured latency online, and {@link io.edgewise.adapt.dystri.LevelRule} picks a request's level from its time left,
 * the estimated wait and the user's accuracy want. The node controller and the coordinator of {@code
 * io.edgewise.serve.dystri} both decide with this one rule. Plain Java without I/O: the caller measures. May import:
 * {@code io.edgewise} only; no library outside the JDK.
 */
package io.edgewise.adapt.dystri;
