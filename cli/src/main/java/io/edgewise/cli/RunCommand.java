package io.edgewise.cli;

import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.LatencyStats;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "Run a model once (plus timing runs) and print its outputs.")
final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "A model.onnx file, or an ONNX test directory.")
  Path model;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Mixin
  TimingOptions timing = new TimingOptions(10, 2, 1);

  @Mixin
  InputOptions inputs = new InputOptions();

  @Mixin
  ShapeOptions shapes = new ShapeOptions();

  @Mixin
  OutputOptions output = new OutputOptions();

  @Mixin
  JsonOption json = new JsonOption();

  @Option(names = "--profile", description = "Print the measured time per op type over the timed runs.")
  boolean profile;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    int runs = timing.runs();
    int warmup = timing.warmup();
    Path file = Files.isDirectory(model) ? model.resolve("model.onnx") : model;
    SessionOptions options = SessionOptions.defaults().withDevice(device.name()).withThreads(threads.count());
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    Map<String, Tensor> outputs = Map.of();
    try (Session session = Session.open(file, options)) {
      Map<String, long[]> fixed = shapes.checkedAgainst(session.inputs());
      String inputSource = inputs.isEmpty() ? InputFiles.load(session, model, fixed, feeds) : inputs.readInto(feeds);
      for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
        String mismatch = ShapeOptions.mismatch(fixed, e.getKey(), e.getValue());
        if (mismatch != null) {
          throw io.edgewise.EdgewiseException.invalidArgument(mismatch);
        }
      }
      outputs = session.run(feeds);
      if (session.profile() != null) {
        session.profile().reset();  // profile the timed runs only, not the first one
      }
      LatencyStats measured = LatencyStats.measure(session, feeds, warmup, runs);
      output.write(outputs);
      print(session, inputSource, outputs, measured);
      return 0;
    } finally {
      feeds.values().forEach(Tensor::close);
      outputs.values().forEach(Tensor::close);
    }
  }

  private void print(Session session, String inputSource, Map<String, Tensor> outputs, LatencyStats measured) {
    PrintWriter out = spec.commandLine().getOut();
    List<Map<String, Object>> described = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      Tensor t = e.getValue();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("name", e.getKey());
      o.put("dtype", t.dtype().onnxName());
      o.put("shape", t.shape().dims());
      List<TopK.Entry> top = TopK.ofClassifier(t, 5);
      if (!top.isEmpty()) {
        o.put("top5", top);
      }
      described.add(o);
    }
    if (json.enabled()) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("model", model.toString());
      doc.put("device", session.deviceName());
      doc.put("requested_device", device.name());
      doc.put("inputs", inputSource);
      doc.put("outputs", described);
      doc.put("timing", Map.of("kind", "measured", "device", measured.device(), "runs", measured.runs(),
          "median_ms", measured.medianMs(), "p90_ms", measured.p90Ms()));
      out.println(Json.write(doc));
      return;
    }
    out.println("model:   " + model + " (" + session.model().graph().nodes().size() + " nodes, opset "
        + session.model().opset() + ")");
    // `auto` says what it chose
    out.println("device:  " + session.deviceName()
        + (device.name().equals(session.deviceName()) ? "" : " (--device " + device.name() + ")"));
    out.println("inputs:  " + inputSource);
    for (Map<String, Object> o : described) {
      out.printf("output:  %s %s%s%n", o.get("name"), o.get("dtype"), java.util.Arrays.toString((long[]) o.get("shape")));
      if (o.containsKey("top5")) {
        for (Object entry : (List<?>) o.get("top5")) {
          TopK.Entry t = (TopK.Entry) entry;
          out.printf("           class %5d  %.6g%n", t.index(), t.value());
        }
      }
    }
    out.println("timing:  " + measured.describe());
    if (session.deviceName().startsWith("opencl")) {
      out.println("opencl:  " + io.edgewise.backend.opencl.ClProgramCache.summary());
    }
    if (profile && session.profile() != null) {
      long total = session.profile().entries().stream().mapToLong(e -> e.nanos()).sum();
      out.println("profile: measured per op type over the warm-up and timed runs");
      for (var e : session.profile().entries()) {
        out.printf("  %-22s %6d calls %10.3f ms %6.1f%%%n", e.op(), e.calls(), e.nanos() / 1e6,
            100.0 * e.nanos() / Math.max(1, total));
      }
    }
  }

  /**
   * Inputs without --input: a test directory's first data set (when its inputs have the shapes --shape gives), else
   * seeded random values, their dynamic dimensions from --shape ({@code shapes}, checked against the model).
   */
  static final class InputFiles {
    private InputFiles() {}

    static String load(Session session, Path model, Map<String, long[]> shapes, Map<String, Tensor> feeds) {
      Path dataSet = model.resolve("test_data_set_0");
      if (Files.isDirectory(model) && Files.isDirectory(dataSet)) {
        List<ValueInfo> declared = session.inputs();
        boolean agrees = true;
        for (int k = 0; k < declared.size(); k++) {
          Tensor t = TensorProtos.readFile(dataSet.resolve("input_" + k + ".pb"));
          feeds.put(declared.get(k).name(), t);
          agrees &= ShapeOptions.mismatch(shapes, declared.get(k).name(), t) == null;
        }
        if (agrees) {
          return "from " + dataSet;
        }
        feeds.values().forEach(Tensor::close);  // --shape asks for other shapes than the data set's
        feeds.clear();
      }
      for (ValueInfo v : session.inputs()) {
        feeds.put(v.name(), RandomInputs.of(v, shapes.get(v.name()), 42));
      }
      return "random (seed 42" + (shapes.isEmpty() ? "" : "; " + describe(shapes)) + ")";
    }

    /** The shapes as --shape gives them: x=1x3x640x640. */
    static String describe(Map<String, long[]> shapes) {
      List<String> parts = new ArrayList<>();
      shapes.forEach((name, dims) -> parts.add(name + "=" + java.util.Arrays.stream(dims).mapToObj(Long::toString)
          .collect(java.util.stream.Collectors.joining("x"))));
      return String.join(", ", parts);
    }
  }
}
