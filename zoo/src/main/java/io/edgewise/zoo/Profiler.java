package io.edgewise.zoo;

import io.edgewise.backend.LayerFigures;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.LatencyStats;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.index.Measurement;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;

/**
 * Measures a variant on one target: median and p90 latency over timed runs after warm-up (LatencyStats), and the
 * native memory the session holds after them. fpga: one run on the device, then the sum of its analytical model's
 * per-layer figures, labelled "modeled" (the emulator's wall time says nothing about a board).
 */
public final class Profiler {
  private Profiler() {}

  public static Measurement profile(Path model, Target target, Map<String, Tensor> input, int warmup, int runs) {
    SessionOptions so = SessionOptions.defaults().withDevice(target.device()).withThreads(target.threads());
    long before = NativeCore.allocatedBytes();
    try (Session s = Session.open(model, so)) {
      if (target.modeled()) {
        s.run(input).values().forEach(Tensor::close);
        double ms = 0;
        for (LayerFigures f : s.layerFigures()) {
          ms += f.modeledMs() * Math.max(1, f.calls());
        }
        return new Measurement(target.key(), ms, ms, -1, 1, "modeled", host());
      }
      LatencyStats st = LatencyStats.measure(s, input, warmup, runs);
      long peak = target.device().equals("ort") ? -1 : Math.max(0, NativeCore.allocatedBytes() - before);
      return new Measurement(target.key(), st.medianMs(), st.p90Ms(), peak, runs, "measured", host());
    }
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName() + " (" + Runtime.getRuntime().availableProcessors()
          + " cores)";
    } catch (Exception e) {
      return "unknown host (" + Runtime.getRuntime().availableProcessors() + " cores)";
    }
  }
}
