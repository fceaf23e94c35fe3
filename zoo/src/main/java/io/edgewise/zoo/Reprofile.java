package io.edgewise.zoo;

import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.index.Measurement;
import io.edgewise.zoo.index.ModelIndex;
import io.edgewise.zoo.index.VariantRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Re-measures every variant of an index on this machine (an index copied from another one): each variant's file must
 * still have the content hash the index recorded; it is profiled on its recorded targets (or the given ones) with
 * inputs of its recorded profiling shapes (seeded random values: latency does not depend on them), and its figures
 * replaced in one transaction. Returns one line per variant: what was measured, or why it was skipped.
 */
public final class Reprofile {
  private Reprofile() {}

  public static List<String> run(ModelIndex index, List<Target> targets, int warmup, int runs,
      Consumer<String> progress) {
    List<String> out = new ArrayList<>();
    for (VariantRecord r : index.list()) {
      String name = r.base() + "/" + r.variant();
      Path file = r.file() == null ? null : Path.of(r.file());
      if (file == null || !Files.isRegularFile(file)) {
        out.add(name + ": skipped, its file " + r.file() + " is not here");
        continue;
      }
      if (r.sha256() != null && !r.sha256().equals(Tailor.sha256(file))) {
        out.add(name + ": skipped, " + file + " is not the file indexed (sha256 differs)");
        continue;
      }
      if (r.profileShapes() == null || r.profileShapes().isEmpty()) {
        out.add(name + ": skipped, the index records no profiling input shape for it");
        continue;
      }
      List<Target> ts = targets;
      if (ts == null || ts.isEmpty()) {
        ts = new ArrayList<>();
        for (String k : r.latency().keySet()) {
          Target t = Target.parse(k);
          if (t != null) {
            ts.add(t);
          }
        }
      }
      Map<String, Tensor> input = new LinkedHashMap<>();
      Random rnd = new Random(7);
      r.profileShapes().forEach((k, dims) -> {
        Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(dims));
        for (long i = 0; i < t.size(); i++) {
          t.setFloat(i, (float) rnd.nextGaussian());
        }
        input.put(k, t);
      });
      try {
        Map<String, Measurement> latency = new LinkedHashMap<>();
        for (Target t : ts) {
          progress.accept("profiling " + name + " on " + t.key());
          latency.put(t.key(), Profiler.profile(file, t, input, warmup, runs));
        }
        index.updateLatency(r.base(), r.variant(), latency);
        StringBuilder b = new StringBuilder(name + ":");
        latency.forEach((k, m) -> b.append(String.format(java.util.Locale.ROOT, " %s %.3f ms (p90 %.3f, %s)", k,
            m.medianMs(), m.p90Ms(), m.kind())));
        out.add(b.toString());
      } finally {
        input.values().forEach(Tensor::close);
      }
    }
    return out;
  }
}
