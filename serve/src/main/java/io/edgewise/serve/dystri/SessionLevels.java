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
      List<Level> levels = new ArrayList<>();
      for (Spec s : specs) {
        Session session = Session.open(s.model(), options);
        sessions.add(session);
        levels.add(new Level(s.name(), s.accuracy(), medianMs(session, Math.max(1, runs))));
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

  private static double medianMs(Session s, int runs) {
    double[] t = new double[runs];
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> in = new HashMap<>();
      for (ValueInfo v : s.inputs()) {
        if (v.dtype() != DType.FLOAT32) {
          throw EdgewiseException.invalidArgument("level model input " + v.name() + " is " + v.dtype()
              + "; levels take fp32 inputs");
        }
        in.put(v.name(), Tensor.allocate(DType.FLOAT32, v.concreteShape()));
      }
      for (int r = -runs; r < runs; r++) {
        long t0 = System.nanoTime();
        s.run(in).values().forEach(Tensor::close);
        if (r >= 0) {
          t[r] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    Arrays.sort(t);
    return Math.max(1e-3, t[runs / 2]);
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
