package io.edgewise.cli;

import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.ConformanceRunner;
import io.edgewise.runtime.conformance.ConformanceSummary;
import io.edgewise.runtime.conformance.TestOutcome;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "conformance",
    description = "Run every ONNX backend test directory (model.onnx + test_data_set_N) found under each DIR.")
final class ConformanceCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", arity = "1..*", description = "Directories to search.")
  List<Path> dirs;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Mixin
  JsonOption json = new JsonOption();

  @Mixin
  ShapeOptions shapes = new ShapeOptions();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    // each test's model and data sets are checked against --shape; a test that disagrees fails, naming the dimension
    ConformanceRunner runner = new ConformanceRunner(SessionOptions.defaults().withDevice(device.name())
        .withThreads(threads.count()), shapes.shapes());
    ConformanceSummary summary = runner.runAll(dirs, o -> {
      if (!json.enabled()) {
        out.println(line(o));
        out.flush();
      }
    });
    if (json.enabled()) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("device", device.name());
      doc.put("passed", summary.passed());
      doc.put("failed", summary.failed());
      doc.put("skipped", summary.skipped());
      doc.put("tests", summary.outcomes());
      out.println(Json.write(doc));
    }
    out.println(summary.line());
    if (summary.outcomes().isEmpty()) {
      // most likely a wrong path: a run that checked nothing must not look like a success
      spec.commandLine().getErr().println("edgewise: no ONNX test directories (model.onnx + test_data_set_N) "
          + "found under " + dirs);
      return Main.EXIT_FAILURE;
    }
    return summary.failed() > 0 ? Main.EXIT_FAILURE : 0;
  }

  private static String line(TestOutcome o) {
    return switch (o.status()) {
      case PASSED -> "PASS " + o.name() + " (" + o.millis() + " ms)";
      case FAILED -> "FAIL " + o.name() + ": " + o.detail();
      case SKIPPED -> "SKIP " + o.name() + ": " + o.detail();
    };
  }
}
