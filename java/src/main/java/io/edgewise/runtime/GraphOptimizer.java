package io.edgewise.runtime;

import io.edgewise.model.Model;

/** Applies the graph passes in order (filled in by the passes work). */
final class GraphOptimizer {
  private GraphOptimizer() {}

  static void optimize(Model model) {}
}
