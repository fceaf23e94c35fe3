/**
 * The model cache's eviction policies: which loaded model to unload when a load would pass the memory budget.
 * {@link CachePolicy} and its implementations (CremeBrulee's value per byte, LRU, LFU, random, and Belady's offline
 * oracle for benchmarks) decide from {@link CacheEntry} statistics the repository keeps; they hold no models and no
 * locks. May import: {@code io.edgewise} only.
 */
package io.edgewise.serve.cache;
