package io.edgewise.serve.dystri;

/** How the {@link Coordinator} routes requests and sets their level. */
public enum Policy {
  /**
   * Dystri-style control: per request, each live node's predicted finish at each level (the work queued and running
   * there, its measured per-level time, the link) plus the measured tail of the prediction error, the node and level
   * by {@code FinishPlan}; the node's controller may step it down; a request no node can finish in time is refused
   * at once with the reason.
   */
  DYSTRI("dystri"),
  /** Round robin over live nodes, every request at the most expensive (most accurate) level. */
  FIXED_HIGHEST("fixed-highest"),
  /** Round robin over live nodes, every request at the cheapest level. */
  FIXED_LOWEST("fixed-lowest"),
  /** The node with the least estimated backlog, every request at the most expensive level. */
  LEAST_LOADED("least-loaded"),
  /** A uniformly random live node and level. */
  RANDOM("random");

  private final String label;

  Policy(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The policy with this label (as the bench and CLI name them). */
  public static Policy of(String label) {
    for (Policy p : values()) {
      if (p.label.equals(label) || p.name().equalsIgnoreCase(label)) {
        return p;
      }
    }
    throw io.edgewise.EdgewiseException.invalidArgument("unknown policy " + label + "; known: dystri, fixed-highest, "
        + "fixed-lowest, least-loaded, random");
  }
}
