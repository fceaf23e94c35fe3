package io.edgewise.runtime.conformance;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.TestOutcome.Status;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs ONNX backend test directories (model.onnx plus test_data_set_N/input_K.pb and output_K.pb, as in
 * onnx/backend/test/data and the model zoo) on one device. Tests whose data or value types the runtime does not
 * support are reported as skipped with the reason, never as passed.
 */
public final class ConformanceRunner {
  private static final Pattern DATA_SET = Pattern.compile("test_data_set_(\\d+)");
  private static final Pattern INPUT = Pattern.compile("input_(\\d+)\\.pb");
  private static final Pattern OUTPUT = Pattern.compile("output_(\\d+)\\.pb");

  private final SessionOptions options;
  /** Input shapes the caller fixes (the CLI's --shape), by input name: checked against each model and data set. */
  private final Map<String, long[]> shapes;

  public ConformanceRunner(SessionOptions options) {
    this(options, Map.of());
  }

  /**
   * With input shapes fixed by name: a test whose model declares such an input fails when the declaration fixes one
   * of its dimensions otherwise, or when a data set's input has another shape (each naming input and dimension).
   */
  public ConformanceRunner(SessionOptions options, Map<String, long[]> shapes) {
    this.options = options;
    this.shapes = Map.copyOf(shapes);
  }

  /** Every directory at or below each root that holds model.onnx and at least one test_data_set_N. */
  public static List<Path> discover(List<Path> roots) {
    List<Path> found = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, root + ": no such directory");
      }
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(p -> p.getFileName() != null && p.getFileName().toString().equals("model.onnx"))
            .map(Path::getParent)
            .filter(dir -> !dataSets(dir).isEmpty())
            .sorted()
            .forEach(found::add);
      } catch (IOException e) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.IO, root + ": " + e.getMessage(), e);
      } catch (UncheckedIOException e) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.IO, root + ": " + e.getCause().getMessage(), e);
      }
    }
    return found;
  }

  public ConformanceSummary runAll(List<Path> roots, Consumer<TestOutcome> listener) {
    List<TestOutcome> outcomes = new ArrayList<>();
    for (Path dir : discover(roots)) {
      TestOutcome outcome = run(dir);
      outcomes.add(outcome);
      listener.accept(outcome);
    }
    return new ConformanceSummary(outcomes);
  }

  /** Runs every data set of one test directory. */
  public TestOutcome run(Path dir) {
    String name = dir.getFileName().toString();
    long start = System.nanoTime();
    Status status;
    String detail;
    try {
      detail = runChecked(dir);
      status = detail == null ? Status.PASSED : Status.FAILED;
    } catch (Skip s) {
      status = Status.SKIPPED;
      detail = s.getMessage();
    } catch (EdgewiseException e) {
      if (e.code() == EdgewiseException.ErrorCode.UNSUPPORTED_TYPE) {
        status = Status.SKIPPED;
      } else {
        status = Status.FAILED;
      }
      detail = e.getMessage();
    } catch (RuntimeException e) {
      status = Status.FAILED;
      detail = "unexpected " + e;  // a runtime bug: reported, not hidden
    }
    return new TestOutcome(name, status, detail, (System.nanoTime() - start) / 1_000_000);
  }

  private String runChecked(Path dir) {
    Tolerance tol = Tolerance.forDirectory(dir);
    Model model = OnnxImporter.load(dir.resolve("model.onnx"));
    skipUnsupportedTypes(model);
    for (ValueInfo v : model.graph().inputs()) {
      String mismatch = shapes.containsKey(v.name()) ? v.shapeMismatch(shapes.get(v.name())) : null;
      if (mismatch != null) {
        model.close();
        return "--shape " + v.name() + ": " + mismatch;
      }
    }
    try (Session session = Session.open(model, options)) {
      for (Path dataSet : dataSets(dir)) {
        String failure = runDataSet(session, dataSet, tol);
        if (failure != null) {
          return dataSet.getFileName() + ": " + failure;
        }
      }
      return null;
    }
  }

  private static void skipUnsupportedTypes(Model model) {
    List<ValueInfo> io = new ArrayList<>(model.graph().inputs());
    io.addAll(model.graph().outputs());
    for (ValueInfo v : io) {
      if (!v.isSupported()) {
        model.close();
        throw new Skip("value '" + v.name() + "' has type " + v.unsupportedType());
      }
    }
  }

  private String runDataSet(Session session, Path dataSet, Tolerance tol) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    Map<String, Tensor> outputs = null;
    List<Tensor> expected = new ArrayList<>();
    try {
      List<ValueInfo> declared = session.inputs();
      for (Path file : numbered(dataSet, INPUT)) {
        int k = index(file, INPUT);
        if (k >= declared.size()) {
          return file.getFileName() + " has no matching graph input (the graph declares " + declared.size() + ")";
        }
        Tensor t = TensorProtos.readFile(file);
        inputs.put(declared.get(k).name(), t);
        String mismatch = shapeMismatch(declared.get(k).name(), t);
        if (mismatch != null) {
          return mismatch;
        }
      }
      for (Path file : numbered(dataSet, OUTPUT)) {
        expected.add(TensorProtos.readFile(file));
      }
      outputs = session.run(inputs);
      double ratio = DropoutStructureCheck.randomRatio(session.model().graph(), inputs);
      if (!Double.isNaN(ratio)) {
        return DropoutStructureCheck.check(session.model().graph(), inputs, outputs, ratio);
      }
      List<String> names = new ArrayList<>(outputs.keySet());
      if (names.size() != expected.size()) {
        return "produced " + names.size() + " outputs, expected " + expected.size();
      }
      for (int k = 0; k < names.size(); k++) {
        String failure = OutputComparator.compare(names.get(k), outputs.get(names.get(k)), expected.get(k), tol);
        if (failure != null) {
          return failure;
        }
      }
      return null;
    } finally {
      inputs.values().forEach(Tensor::close);
      expected.forEach(Tensor::close);
      if (outputs != null) {
        outputs.values().forEach(Tensor::close);
      }
    }
  }

  /** Why a data set's input does not have the shape the caller fixed for it, naming the dimension; or null. */
  private String shapeMismatch(String name, Tensor t) {
    long[] want = shapes.get(name);
    return want == null ? null : ValueInfo.tensor(name, t.dtype(), Shape.of(want)).shapeMismatch(t.shape().dims(),
        "--shape");
  }

  static List<Path> dataSets(Path dir) {
    return numbered(dir, DATA_SET);
  }

  /** Children of dir whose names match the pattern, in numeric order of group 1. */
  private static List<Path> numbered(Path dir, Pattern pattern) {
    try (Stream<Path> children = Files.list(dir)) {
      return children.filter(p -> pattern.matcher(p.getFileName().toString()).matches())
          .sorted((a, b) -> Integer.compare(index(a, pattern), index(b, pattern)))
          .toList();
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, dir + ": " + e.getMessage(), e);
    }
  }

  private static int index(Path p, Pattern pattern) {
    Matcher m = pattern.matcher(p.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(p.toString());
    }
    return Integer.parseInt(m.group(1));
  }

  /** A test the runtime cannot run for a type reason: reported as skipped. */
  private static final class Skip extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Skip(String reason) {
      super(reason, null, false, false);
    }
  }
}
