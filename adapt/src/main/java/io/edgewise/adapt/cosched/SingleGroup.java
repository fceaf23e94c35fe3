package io.edgewise.adapt.cosched;

/**
 * Baseline: every request on one group, in arrival order (its queue is FIFO): what a runtime without co-scheduling
 * does when every model is opened on the same device (e.g. everything on cpu).
 */
public final class SingleGroup implements CoschedPolicy {
  private final String name;
  private final int group;

  public SingleGroup(String name, int group) {
    this.name = name;
    this.group = group;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int choose(int model, NodeState state) {
    return group;
  }
}
