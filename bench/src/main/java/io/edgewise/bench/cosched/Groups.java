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

  /** Median of {@code runs} timed runs of each model on {@code group} alone (ms); infinity where it has no session. */
  static double[] soloMs(DeviceGroup group, int runs) {
    double[] out = new double[group.models()];
    for (int m = 0; m < out.length; m++) {
      if (!group.runs(m)) {
        out[m] = Double.POSITIVE_INFINITY;
        continue;
      }
      double[] t = new double[runs];
      for (int r = 0; r < runs; r++) {
        long start = System.nanoTime();
        group.run(m);
        t[r] = (System.nanoTime() - start) / 1e6;
      }
      Arrays.sort(t);
      out[m] = runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }
    return out;
  }
}
