package io.edgewise.adapt.cosched;

/**
 * Places each request of one of several concurrent models on a device group, and may learn from what each request
 * cost. Groups and models are indices fixed when the policy is made. Calls come from one thread at a time.
 */
public interface CoschedPolicy {
  String name();

  /** The group that runs the next request of {@code model}, given the node as it is now. */
  int choose(int model, NodeState state);

  /** What a request placed by this policy cost (measured). */
  default void observe(Observation o) {}
}
