package io.edgewise.adapt.cosched.exec;

import io.edgewise.EdgewiseException;
import io.edgewise.runtime.Session;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One place a request can run: a device with a thread count (e.g. "cpu#0", a 1-thread cpu session per model), with
 * a session per model (null where the group cannot run the model) and the inputs each request of that model is fed.
 * Owns both: close() closes them. A group runs one request at a time (its {@link CoRunner} worker), so its sessions
 * are never used by two threads at once.
 */
public final class DeviceGroup implements AutoCloseable {
  private final String name;
  private final String kind;
  private final List<Session> sessions;
  private final List<Map<String, Tensor>> inputs;

  /**
   * @param name what reports call it, e.g. "cpu#0"
   * @param kind groups of the same kind are interchangeable (same device, same threads), e.g. "cpu x1"
   * @param sessions per model, its session on this group, or null
   * @param inputs per model, the inputs of every request (null where the session is null)
   */
  public DeviceGroup(String name, String kind, List<Session> sessions, List<Map<String, Tensor>> inputs) {
    if (sessions.size() != inputs.size()) {
      throw EdgewiseException.invalidArgument("DeviceGroup " + name + ": " + sessions.size() + " sessions for "
          + inputs.size() + " inputs");
    }
    this.name = name;
    this.kind = kind;
    this.sessions = new ArrayList<>(sessions);
    this.inputs = new ArrayList<>(inputs);
  }

  public String name() {
    return name;
  }

  public String kind() {
    return kind;
  }

  public int models() {
    return sessions.size();
  }

  public boolean runs(int model) {
    return sessions.get(model) != null;
  }

  /** Runs one request of {@code model} on this group's session and drops its outputs (the caller times it). */
  public void run(int model) {
    Session s = sessions.get(model);
    if (s == null) {
      throw EdgewiseException.invalidArgument("group " + name + " has no session for model " + model);
    }
    Map<String, Tensor> out = s.run(inputs.get(model));
    out.values().forEach(Tensor::close);
  }

  @Override
  public void close() {
    for (Session s : sessions) {
      if (s != null) {
        s.close();
      }
    }
    for (Map<String, Tensor> in : inputs) {
      if (in != null) {
        in.values().forEach(Tensor::close);
      }
    }
    sessions.clear();
    inputs.clear();
  }

  @Override
  public String toString() {
    return name;
  }
}
