package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Device;
import io.edgewise.runtime.Devices;
import io.edgewise.runtime.LatencyStats;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.model.DemoModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "demo", description = "Run the built-in demo CNN on every device side by side.")
final class DemoCommand implements Callable<Integer> {
  @Mixin
  TimingOptions timing = new TimingOptions(20, 3, 1);

  @picocli.CommandLine.Option(names = "--ocr", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also render a small page and read it back with the OCR pipeline on cpu and ort (default: on "
          + "when the OCR models are found; --no-ocr skips it).")
  boolean ocr;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    int runs = timing.runs();
    int warmup = timing.warmup();
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("edgewise-demo");
    try (Tensor image = DemoModel.sampleInput(7)) {
      Path file = DemoModel.write(dir);
      out.println("Edgewise demo: a 9-node CNN (1x3x32x32 -> 10 classes) built by the project, one input image.");
      out.println("Latencies are measured here, median and p90 over " + runs + " runs after warm-up;"
          + " differences are against the ref device (the plain-Java oracle).");
      out.println();
      out.printf("%-8s %-45s %12s %12s %14s %8s%n", "DEVICE", "DESCRIPTION", "MEDIAN ms", "P90 ms", "MAX |DIFF|",
          "TOP-1");
      float[] reference = null;
      int referenceTop = -1;
      for (Device d : Devices.available()) {
        try (Session s = Session.open(file, SessionOptions.defaults().withDevice(d.name()))) {
          Map<String, Tensor> outputs = s.run(Map.of(DemoModel.INPUT, image));
          float[] probs;
          int top;
          try (Tensor p = outputs.get(DemoModel.OUTPUT)) {
            probs = p.toFloatArray();
            top = TopK.argmax(p);
          }
          if (reference == null) {
            reference = probs;
            referenceTop = top;
          }
          // warmed up as `bench` does (the JIT compiles the Java side over the first second), at most 3 s
          LatencyStats.warmUp(s, Map.of(DemoModel.INPUT, image), warmup, 0.3, 3);
          LatencyStats t = LatencyStats.measure(s, Map.of(DemoModel.INPUT, image), 0, runs);
          out.printf("%-8s %-45s %12.3f %12.3f %14.3g %8s%n", d.name(), truncate(d.description(), 45), t.medianMs(),
              t.p90Ms(), maxDiff(reference, probs), top == referenceTop ? "agrees" : "DIFFERS");
        } catch (EdgewiseException e) {
          out.printf("%-8s %-45s %s%n", d.name(), truncate(d.description(), 45), "failed: " + e.getMessage());
        }
      }
      out.println();
      out.println("Predicted class on ref: " + referenceTop + " (random weights: the class means nothing).");
      if (ocr) {
        OcrDemo.run(out);
      }
      return 0;
    } finally {
      Files.deleteIfExists(dir.resolve("model.onnx"));
      Files.deleteIfExists(dir);
    }
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }
}
