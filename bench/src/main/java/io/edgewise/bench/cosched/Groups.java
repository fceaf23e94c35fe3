package io.edgewise.bench.cosched;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.cosched.exec.DeviceGroup;
import io.edgewise.cli.RandomInputs;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Opens device groups over a mix's models and measures each model's solo time on each. */
final class Groups {
  private Groups() {}

  /**
   * A group with a session per model; a model the device cannot open or run (an op it lacks, a failed warm-up run)
   * gets no session, and {@code notes} says why.
   */
  static DeviceGroup open(String name, GroupSpec spec, List<ModelSpec> models, long seed, List<String> notes) {
    List<Session> sessions = new ArrayList<>();
    List<Map<String, Tensor>> inputs = new ArrayList<>();
    SessionOptions options = SessionOptions.defaults().withDevice(spec.device()).withThreads(spec.threads());
    try {
      for (ModelSpec m : models) {
        Session s;
        try {
          s = Session.open(m.file(), options);
        } catch (EdgewiseException e) {
          notes.add(name + " cannot open " + m.label() + ": " + e.getMessage());
          sessions.add(null);
          inputs.add(null);
          continue;
        }
        Map<String, Tensor> in = new LinkedHashMap<>();
        sessions.add(s);
        inputs.add(in);
        List<ValueInfo> declared = s.inputs();
        if (m.dims() != null && declared.size() != 1) {
          throw EdgewiseException.invalidArgument(m.label() + ": a shape after @ needs a model with one input, it has "
              + declared.size());
        }
        for (ValueInfo v : declared) {  // a dynamic input without @DIMS is the user's error: it propagates
          in.put(v.name(), RandomInputs.of(v, m.dims(), seed));
        }
        try {
          for (int i = 0; i < 5; i++) {  // warm-up: JIT, kernel builds, arenas (2 left the cpu cls 20x slow)
            s.run(in).values().forEach(Tensor::close);
          }
        } catch (EdgewiseException e) {
          notes.add(name + " cannot run " + m.label() + ": " + e.getMessage());
          s.close();
          in.values().forEach(Tensor::close);
          sessions.set(sessions.size() - 1, null);
          inputs.set(inputs.size() - 1, null);
        }
      }
    } catch (RuntimeException e) {
      new DeviceGroup(name, spec.kind(), sessions, inputs).close();
      throw e;
    }
    return new DeviceGroup(name, spec.kind(), sessions, inputs);
  }

  /**
   * Median of {@code runs} timed runs of each model on each group alone (ms, [group][model]); infinity where a group
   * has no session. The runs go round the groups and models in turn, so a slow stretch of a shared machine falls on
   * all of them instead of on the group measured during it.
   */
  static double[][] soloMs(List<DeviceGroup> groups, int runs) {
    return solo(groups, runs).medianMs();
  }

  /** Per group and model, the median and the fastest of the timed solo runs (ms, [group][model]). */
  record Solo(double[][] medianMs, double[][] fastestMs) {}

  /** As {@link #soloMs}, with the fastest run of each besides the median. */
  static Solo solo(List<DeviceGroup> groups, int runs) {
    int models = groups.get(0).models();
    double[][][] t = new double[groups.size()][models][runs];
    for (int r = 0; r < runs; r++) {
      for (int g = 0; g < groups.size(); g++) {
        for (int m = 0; m < models; m++) {
          if (groups.get(g).runs(m)) {
            long start = System.nanoTime();
            groups.get(g).run(m);
            t[g][m][r] = (System.nanoTime() - start) / 1e6;
          }
        }
      }
    }
    double[][] out = new double[groups.size()][models];
    double[][] fastest = new double[groups.size()][models];
    for (int g = 0; g < groups.size(); g++) {
      for (int m = 0; m < models; m++) {
        if (!groups.get(g).runs(m)) {
          out[g][m] = Double.POSITIVE_INFINITY;
          fastest[g][m] = Double.POSITIVE_INFINITY;
          continue;
        }
        double[] v = t[g][m];
        Arrays.sort(v);
        out[g][m] = runs % 2 == 1 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
        fastest[g][m] = v[0];
      }
    }
    return new Solo(out, fastest);
  }
}
