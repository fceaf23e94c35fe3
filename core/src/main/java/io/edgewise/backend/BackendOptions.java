package io.edgewise.backend;

/**
 * Settings a backend honours when compiling.
 *
 * @param threads intra-op threads; 0 means the backend's default (all cores)
 * @param fastPaths let the reference backend use native kernels where it has them (tests turn this off to get
 *     the plain-Java oracle)
 */
public record BackendOptions(int threads, boolean fastPaths) {
  public static BackendOptions defaults() {
    return new BackendOptions(0, true);
  }
}
