/**
 * Feature reuse: answering an inference from a stored result whose feature (an activation at a tap point) is
 * near enough, so that the model's rest need not run. {@link io.edgewise.reuse.ReuseSession} wraps a session with
 * the lookup and insert; {@link io.edgewise.reuse.ReuseTier}s (this device's {@link io.edgewise.reuse.LocalReuseTier},
 * peers) answer lookups; {@link io.edgewise.reuse.ReuseStore} is the persistent store, a facade over package-private
 * parts with one job each: the LMDB environment ({@code StoreEnv}), key and value layouts ({@code StoreKeys},
 * {@code EntryCodec}, {@code StatsRecord}, {@code MetaTable}), namespaces ({@code NamespaceRegistry}), the A-LSH
 * index and search ({@code AdaptiveLsh}, {@code LshIndex}, {@code NeighbourSearch}), the write path with map growth
 * ({@code StoreWriter}), eviction ({@code Evictor}), hit accounting ({@code PendingHits}), statistics
 * ({@code StoreStatistics}) and the lifecycle state ({@code StoreLifecycle}).
 *
 * <p>May import: from core, {@code io.edgewise.EdgewiseException} and the {@code tensor}, {@code model} and
 * {@code runtime} packages; lmdbjava; micrometer; slf4j. Nothing from the modules above it (serve, cli, bench, adapt).
 */
package io.edgewise.reuse;
