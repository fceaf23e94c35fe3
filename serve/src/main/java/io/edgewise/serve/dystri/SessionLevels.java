package io.edgewise.serve.dystri;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Levels that are whole models (a model's zoo variants: the digits CNN pruned at 0 to 87.5%), one session each. The
 * cost of each level is measured here, on this node's device, when it opens (median of timed runs on zeros), so a
 * node's ladder tells its own speed; the accuracy comes with the model (measured on evaluation data when the variant
 * was built). Owns the sessions.
 */
public final class SessionLevels implements LevelExecutor {
  /** A level to open: its name, its model file and its measured accuracy. */
  public record Spec(String name, Path model, double accuracy) {}

  private final List<Session> sessions;
  private final LevelLadder ladder;

  private SessionLevels(List<Session> sessions, LevelLadder ladder) {
    this.sessions = sessions;
    this.ladder = ladder;
  }

  /**
   * Opens each level's model on {@code options}' device and measures its cost: {@code runs} timed runs after as many
   * warm-up runs, on zeros of the model's input shapes (which must be fixed). Specs are given cheapest first.
   */
  public static SessionLevels open(List<Spec> specs, SessionOptions options, int runs) {
    if (specs.isEmpty()) {
      throw EdgewiseException.invalidArgument("no levels given");
    }
    List<Session> sessions = new ArrayList<>();
    try {
      for (Spec s : specs) {
        sessions.add(Session.open(s.model(), options));
      }
      double[] ms = medianMs(sessions, Math.max(1, runs));
      List<Level> levels = new ArrayList<>();
      for (int i = 0; i < specs.size(); i++) {
        levels.add(new Level(specs.get(i).name(), specs.get(i).accuracy(), ms[i]));
      }
      // the measured order may differ from the given one by noise between near-equal levels: keep the given order and
      // make the costs non-decreasing along it (the ladder's contract), the later level taking its predecessor's cost
      List<Level> ordered = new ArrayList<>();
      for (Level l : levels) {
        double floor = ordered.isEmpty() ? 0 : ordered.get(ordered.size() - 1).costMs();
        ordered.add(new Level(l.name(), l.accuracy(), Math.max(floor, l.costMs())));
      }
      return new SessionLevels(sessions, new LevelLadder(ordered));
    } catch (RuntimeException e) {
      sessions.forEach(Session::close);
      throw e;
    }
  }

  /** Median time of each session, timed round-robin (a load spike of a shared machine falls on all alike). */
  private static double[] medianMs(List<Session> sessions, int runs) {
    double[][] t = new double[sessions.size()][runs];
    try (TensorScope scope = TensorScope.open()) {
      List<Map<String, Tensor>> inputs = new ArrayList<>();
      for (Session s : sessions) {
        Map<String, Tensor> in = new HashMap<>();
        for (ValueInfo v : s.inputs()) {
          if (v.dtype() != DType.FLOAT32) {
            throw EdgewiseException.invalidArgument("level model input " + v.name() + " is " + v.dtype()
                + "; levels take fp32 inputs");
          }
          in.put(v.name(), Tensor.allocate(DType.FLOAT32, v.concreteShape()));
        }
        inputs.add(in);
      }
      for (int r = -runs; r < runs; r++) {
        for (int i = 0; i < sessions.size(); i++) {
          long t0 = System.nanoTime();
          sessions.get(i).run(inputs.get(i)).values().forEach(Tensor::close);
          if (r >= 0) {
            t[i][r] = (System.nanoTime() - t0) / 1e6;
          }
        }
      }
    }
    double[] out = new double[sessions.size()];
    for (int i = 0; i < out.length; i++) {
      Arrays.sort(t[i]);
      out[i] = Math.max(1e-3, t[i][runs / 2]);
    }
    return out;
  }

  @Override
  public LevelLadder ladder() {
    return ladder;
  }

  @Override
  public Map<String, Tensor> run(int level, Map<String, Tensor> inputs) {
    if (level < 0 || level >= sessions.size()) {
      throw EdgewiseException.invalidArgument("level " + level + " out of range: " + sessions.size() + " levels");
    }
    return sessions.get(level).run(inputs);
  }

  @Override
  public void close() {
    sessions.forEach(Session::close);
  }
}
