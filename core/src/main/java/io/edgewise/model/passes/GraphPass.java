package io.edgewise.model.passes;

import io.edgewise.model.Model;

/** A rewrite of a model's graph that keeps its outputs numerically the same. */
public interface GraphPass {
  /** Rewrites the graph in place; returns how many nodes it changed or removed (0 when nothing applied). */
  int apply(Model model);

  default String name() {
    return getClass().getSimpleName();
  }
}
