/**
 * The model cache's eviction policies: which loaded models to unload when a load would pass the memory budget.
 * {@link CachePolicy} and its implementations (CremeBrulee's least-worth set per load, LRU, LFU, random, and Belady's
 * offline oracle for benchmarks) decide from {@link CacheEntry} statistics the repository keeps (request history,
 * measured size, moving-average load cost); they hold no models and no locks. {@link CacheSimulator} replays traces
 * through a policy with the repository's arithmetic, for tests and benchmarks. May import: {@code io.edgewise} only.
 */
package io.edgewise.serve.cache;
