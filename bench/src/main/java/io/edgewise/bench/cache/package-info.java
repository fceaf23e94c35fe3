/**
 * `edgewise cache-bench`: the model cache (serve's memory budget and eviction policies) replayed with real loads of
 * real models over HTTP on loopback; {@link CacheTraces} generates the request traces (Zipf, and one shaped like the
 * Azure Functions invocation trace), {@link ModelPopulation} builds the repository of models and weight variants.
 */
package io.edgewise.bench.cache;
