package io.edgewise.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.Executable;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Devices;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The planner end to end, on cpu and ref (the devices core has): a profile injected so that ref wins the elementwise
 * ops and cpu the convolutions gives a mixed plan, whose outputs must equal ref's alone; a device that fails while
 * measured, or is missing, is planned without, and the plan says why.
 */
class PlannedExecutableTest {
  private static final int THREADS = 1;
  private static final BackendOptions OPTIONS = BackendOptions.defaults().withThreads(THREADS);

  /** x [1,4,8,8] -> Conv 3x3 (8 channels) -> Add c [1,8,1,1] -> Mul by itself -> Sigmoid -> Conv 1x1 -> y. */
  static Model convElementwise() {
    Random rnd = new Random(3);
    Graph g = new Graph("conv_elementwise");
    g.initializers().put("w1", random(rnd, Shape.of(8, 4, 3, 3)));
    g.initializers().put("c", random(rnd, Shape.of(1, 8, 1, 1)));
    g.initializers().put("w2", random(rnd, Shape.of(4, 8, 1, 1)));
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 4, 8, 8)));
    g.nodes().add(new Node("conv1", "Conv", "", List.of("x", "w1"), List.of("a"),
        Map.of("pads", Attribute.ofInts("pads", 1, 1, 1, 1))));
    g.nodes().add(new Node("add", "Add", List.of("a", "c"), List.of("b")));
    g.nodes().add(new Node("square", "Mul", List.of("b", "b"), List.of("s")));
    g.nodes().add(new Node("sigmoid", "Sigmoid", List.of("s"), List.of("t")));
    g.nodes().add(new Node("conv2", "Conv", List.of("t", "w2"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 4, 8, 8)));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static Tensor random(Random rnd, Shape s) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextFloat() - 0.5f;
    }
    return Tensor.ofFloats(s, v);
  }

  @Test
  void aMixedPlanFromAnInjectedProfileComputesWhatRefDoes() {
    try (Tensor x = random(new Random(5), Shape.of(1, 4, 8, 8))) {
      mixedPlanEqualsRef(PlannedExecutableTest::convElementwise, Map.of("x", x), Set.of("Add", "Mul", "Sigmoid"));
    }
  }

  @Test
  void theDigitsCnnRunsMixedAndEqualsRef() {
    var dir = TestData.model("digits_cnn_0to9");
    try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
      Supplier<Model> load = () -> OnnxImporter.load(dir.resolve("model.onnx"));
      String input;
      try (Model m = load.get()) {
        input = m.graph().inputNames().get(0);
      }
      // ref wins everything but the convolutions and the classifier: several regions each way
      mixedPlanEqualsRef(load, Map.of(input, x), Set.of("Relu", "MaxPool", "Flatten", "Reshape", "Add"));
    }
  }

  /** Plans {@code model} over cpu and ref with ref winning {@code refOps}; the run must equal ref's own. */
  private static void mixedPlanEqualsRef(Supplier<Model> source, Map<String, Tensor> inputs, Set<String> refOps) {
    overCpuAndRef(source, inputs, (model, backends, in, expected) -> {
      ProfileDb db = ProfileDb.inMemory();
      inject(db, model, in, refOps);
      try (PlannedExecutable exe = new PlannedExecutable(model, backends, new Planner(db, OPTIONS), OPTIONS,
          List.of())) {
        Map<String, Tensor> got = exe.run(in);
        Plan plan = exe.plan();
        assertTrue(plan.mixed(), "a mixed plan: " + plan.regions());
        Set<String> devices = new HashSet<>();
        for (Plan.NodeEntry n : plan.nodes()) {
          String op = n.op();
          assertEquals(refOps.contains(op) ? "ref" : "cpu", n.device(), n.name() + " (" + op + ")");
          devices.add(n.device());
        }
        assertEquals(Set.of("cpu", "ref"), devices);
        assertFalse(plan.transfers().isEmpty());
        assertEquals(plan.regions().stream().mapToDouble(Plan.Region::predictedMs).sum(), plan.predictedMs(), 1e-9);
        assertClose(expected, got);
        got.values().forEach(Tensor::close);
        // a second run measures every region
        exe.run(in).values().forEach(Tensor::close);
        for (Plan.Region r : exe.plan().regions()) {
          assertTrue(r.measuredMs() >= 0, r.toString());
        }
      }
    });
  }

  /** What a test over cpu and ref is given: a model of its own, both devices, its inputs and ref's outputs for them. */
  private interface CpuAndRef {
    void test(Model model, Map<String, Backend> backends, Map<String, Tensor> inputs, Map<String, Tensor> expected);
  }

  /**
   * Runs {@code test} on a model from {@code source} with cpu and ref open, after ref alone has computed the expected
   * outputs for {@code inputs} (unoptimised, on a model of its own); closes the devices and those outputs after.
   */
  private static void overCpuAndRef(Supplier<Model> source, Map<String, Tensor> inputs, CpuAndRef test) {
    Map<String, Tensor> expected;
    try (Session ref = Session.open(source.get(), SessionOptions.defaults().withDevice("ref").withOptimize(false))) {
      expected = ref.run(inputs);
    }
    Map<String, Backend> backends = new LinkedHashMap<>();
    backends.put("cpu", Devices.open("cpu"));
    backends.put("ref", Devices.open("ref"));
    try (Model model = source.get()) {
      test.test(model, backends, inputs, expected);
    } finally {
      backends.values().forEach(Backend::close);
      expected.values().forEach(Tensor::close);
    }
  }

  /** {@link #overCpuAndRef} on {@link #convElementwise()} with its input x drawn from seed 5. */
  private static void convElementwiseOverCpuAndRef(CpuAndRef test) {
    try (Tensor x = random(new Random(5), Shape.of(1, 4, 8, 8))) {
      overCpuAndRef(PlannedExecutableTest::convElementwise, Map.of("x", x), test);
    }
  }

  /**
   * Costs where a device wins each op clearly (10x), and transfers cheap enough (0.01 ms a value) that moving is
   * worth it: ref is given 0.1 ms for {@code refOps} and 10 for the rest, cpu the opposite.
   */
  private static void inject(ProfileDb db, Model model, Map<String, Tensor> inputs, Set<String> refOps) {
    inject(db, model, inputs, refOps, "injected");
  }

  private static void inject(ProfileDb db, Model model, Map<String, Tensor> inputs, Set<String> refOps,
      String source) {
    String[] keys = Planner.keys(model, inputs);
    Map<String, ProfileDb.OpCost> cpu = new LinkedHashMap<>();
    Map<String, ProfileDb.OpCost> ref = new LinkedHashMap<>();
    List<Node> nodes = model.graph().nodes();
    for (int i = 0; i < keys.length; i++) {
      boolean refWins = refOps.contains(nodes.get(i).opType());
      cpu.put(keys[i], new ProfileDb.OpCost(refWins ? 10 : 0.1, source, 0, "test"));
      ref.put(keys[i], new ProfileDb.OpCost(refWins ? 0.1 : 10, source, 0, "test"));
    }
    db.putOps("cpu", "cpu", THREADS, cpu);
    db.putOps("ref", "ref", THREADS, ref);
    db.putTransfer("cpu", "cpu", THREADS, new ProfileDb.Transfer(0.01, 0, "test"));
    db.putTransfer("ref", "ref", THREADS, new ProfileDb.Transfer(0.01, 0, "test"));
  }

  /**
   * A mixed plan from figures marked measured (as the calibrator stores them, not injected) is measured again as its
   * regions run and planned again from those figures: whatever plan that gives (the real costs of cpu and ref decide
   * it), its outputs equal ref's, every region is predicted from positive figures, and the notes say how the
   * predictions were made.
   */
  @Test
  void aMixedPlanFromMeasuredFiguresIsMeasuredAgainInItsRegions() {
    convElementwiseOverCpuAndRef((model, backends, inputs, expected) -> {
      ProfileDb db = ProfileDb.inMemory();
      inject(db, model, inputs, Set.of("Add", "Mul", "Sigmoid"), "measured");
      // no check against a whole run: it would scale these made-up figures (DriftCheckTest covers it)
      try (PlannedExecutable exe = new PlannedExecutable(model, backends, new Planner(db, OPTIONS, false),
          OPTIONS, List.of())) {
        Map<String, Tensor> got = exe.run(inputs);
        Plan plan = exe.plan();
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("a mixed plan's regions measured as they run")),
            plan.notes().toString());
        for (Plan.Region r : plan.regions()) {
          assertTrue(r.predictedMs() > 0 && Double.isFinite(r.predictedMs()), r.toString());
        }
        assertClose(expected, got);
        got.values().forEach(Tensor::close);
        // the candidates were measured (the mixed plan, cpu, and ref where predicted within 2x of cpu) and the
        // kept one is what the rule says of their measured medians
        List<Plan.Candidate> c = plan.candidates();
        assertEquals("mixed", c.get(0).plan());
        assertTrue(c.stream().anyMatch(k -> k.plan().equals("cpu")), c.toString());
        assertEquals(1, c.stream().filter(Plan.Candidate::chosen).count(), c.toString());
        int chosen = PlanSelector.choose(c.stream().map(k -> new PlanSelector.Measured(
            new PlanSelector.Candidate(k.plan(), k.plan().equals("mixed"), k.predictedMs()), k.measuredMs(),
            k.runs())).toList());
        assertTrue(c.get(chosen).chosen(), c.toString());
        assertEquals(c.get(chosen).plan().equals("mixed"), plan.mixed(), plan.regions().toString());
        assertTrue(c.stream().allMatch(k -> k.runs() >= 3 * PlanSelector.BLOCK), c.toString());
        // a second session over the same database reuses the choice: nothing measured (runs 0), the same plan
        try (PlannedExecutable again = new PlannedExecutable(model, backends, new Planner(db, OPTIONS, false),
            OPTIONS, List.of())) {
          Map<String, Tensor> out = again.run(inputs);
          Plan second = again.plan();
          assertEquals(plan.nodes().stream().map(Plan.NodeEntry::device).toList(),
              second.nodes().stream().map(Plan.NodeEntry::device).toList());
          assertTrue(second.candidates().stream().allMatch(k -> k.runs() == 0), second.candidates().toString());
          assertTrue(second.notes().stream().anyMatch(n -> n.contains("kept in the profile database")),
              second.notes().toString());
          assertClose(expected, out);
          out.values().forEach(Tensor::close);
        }
      }
    });
  }

  /**
   * A choice saved in the profile database decides the plan over the cost model: a single device's, though the
   * figures predict a mixed plan, or a mixed assignment other than the planner's; both compute what ref does, and a
   * choice naming a device not planned over is not taken (the plan is made and measured again).
   */
  @Test
  void aSavedChoiceIsTheNextPlanAndItsOutputsEqualRefs() {
    convElementwiseOverCpuAndRef((model, backends, inputs, expected) -> {
      List<String> chosenRef = run(model, backends, inputs, expected,
          new ProfileDb.Choice("ref", null, null, Map.of("mixed", 2.0, "cpu", 3.0, "ref", 1.0), null, "test"));
      assertEquals(List.of("ref", "ref", "ref", "ref", "ref"), chosenRef);
      List<String> mixed = List.of("ref", "ref", "cpu", "cpu", "ref");
      assertEquals(mixed, run(model, backends, inputs, expected, new ProfileDb.Choice("mixed", mixed,
          List.of(1.0, 2.0, 3.0, 4.0, 5.0), Map.of("mixed", 1.0, "cpu", 3.0), null, "test")));
      // the saved figures predict the mixed plan's regions: ref 1 + 2, cpu 3 + 4, ref 5; both compute in host
      // memory, so no value costs a transfer (PlanPredictionTest prices them on a device with memory of its own)
      assertEquals(List.of(3.0, 7.0, 5.0), lastPlan.regions().stream().map(Plan.Region::predictedMs)
          .map(v -> Math.round(v * 1000) / 1000.0).toList());
      // a choice naming a device that is not planned over is not taken: planned and measured again
      List<String> stale = run(model, backends, inputs, expected,
          new ProfileDb.Choice("opencl:0", null, null, Map.of("opencl:0", 1.0), null, "test"));
      assertFalse(lastPlan.candidates().isEmpty());
      assertTrue(lastPlan.candidates().stream().allMatch(k -> k.runs() > 0), lastPlan.candidates().toString());
      assertEquals(5, stale.size());
    });
  }

  private static Plan lastPlan;

  /**
   * Runs {@code model} with {@code choice} saved for it (figures marked measured, not checked against a whole run: the
   * injected figures are far from the real ones, and a check would scale them); each node's device.
   */
  private static List<String> run(Model model, Map<String, Backend> backends, Map<String, Tensor> inputs,
      Map<String, Tensor> expected, ProfileDb.Choice choice) {
    ProfileDb db = ProfileDb.inMemory();
    inject(db, model, inputs, Set.of("Add", "Mul", "Sigmoid"), "measured");
    Planner planner = new Planner(db, OPTIONS, false);
    db.putChoice(planner.choiceKey(model, Planner.keys(model, inputs), List.of("cpu", "ref"),
        Planner.signature(inputs, model.graph())), choice);
    try (PlannedExecutable exe = new PlannedExecutable(model, backends, planner, OPTIONS, List.of())) {
      Map<String, Tensor> got = exe.run(inputs);
      assertClose(expected, got);
      got.values().forEach(Tensor::close);
      lastPlan = exe.plan();
      return lastPlan.nodes().stream().map(Plan.NodeEntry::device).toList();
    }
  }

  private static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> got) {
    assertEquals(expected.keySet(), got.keySet());
    for (String k : expected.keySet()) {
      Tensor e = expected.get(k);
      Tensor g = got.get(k);
      assertEquals(e.shape(), g.shape(), k);
      double max = 0;
      for (long i = 0; i < e.shape().numElements(); i++) {
        max = Math.max(max, Math.abs(e.getFloat(i)));
      }
      for (long i = 0; i < e.shape().numElements(); i++) {
        assertEquals(e.getFloat(i), g.getFloat(i), 1e-4 * Math.max(1, max), k + "[" + i + "]");
      }
    }
  }

  /** A device that opens but fails whatever it is asked to compile (a driver that gives up). */
  private static final class BrokenBackend implements Backend {
    @Override
    public Device device() {
      return new Device("broken", io.edgewise.backend.DeviceKind.GPU, "a device that fails", 0, 1, 0, "unknown");
    }

    @Override
    public String unsupportedReason(Node node, int opset) {
      return null;
    }

    @Override
    public Executable compile(Model model, BackendOptions options) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.DEVICE, "broken: the device stopped answering");
    }
  }

  @Test
  void aDeviceThatFailsWhileMeasuredIsPlannedWithoutAndThePlanSaysWhy() {
    Map<String, Backend> backends = new LinkedHashMap<>();
    backends.put("broken", new BrokenBackend());
    backends.put("cpu", Devices.open("cpu"));
    try (Model model = convElementwise(); Tensor x = random(new Random(5), Shape.of(1, 4, 8, 8));
        PlannedExecutable exe = new PlannedExecutable(model, backends, new Planner(ProfileDb.inMemory(), OPTIONS),
            OPTIONS, List.of("fpga is missing or failed to open (no such device); planned without it"))) {
      exe.run(Map.of("x", x)).values().forEach(Tensor::close);
      Plan plan = exe.plan();
      assertEquals(List.of("cpu"), plan.devices());
      assertFalse(plan.mixed());
      assertEquals(3, plan.notes().size(), plan.notes().toString());
      assertTrue(plan.notes().get(0).startsWith("fpga is missing"), plan.notes().toString());
      assertTrue(plan.notes().get(1).startsWith("broken failed while its costs were measured")
          && plan.notes().get(1).contains("stopped answering"), plan.notes().toString());
      // then what the calibration of the rest measured
      assertTrue(plan.notes().get(2).startsWith("cpu measured at "), plan.notes().toString());
    } finally {
      backends.values().forEach(Backend::close);
    }
  }

  @Test
  void anAutoSessionWithAMissingDeviceRePlansOverTheRestAndSaysWhy() {
    var dir = TestData.model("digits_cnn_0to9");
    SessionOptions auto = SessionOptions.defaults().withDevice("auto").withThreads(THREADS)
        .withPlanDevices(List.of("cpu", "nosuchdevice"));
    try (Session s = Session.open(dir.resolve("model.onnx"), auto);
        Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
        Tensor y = TensorProtos.readFile(dir.resolve("test_data_set_0/output_0.pb"))) {
      assertEquals("auto", s.deviceName());
      Map<String, Tensor> out = s.run(Map.of(s.inputs().get(0).name(), x));
      Plan plan = s.plan();
      assertNotNull(plan);
      assertEquals(List.of("cpu"), plan.devices());
      assertEquals("cpu", s.deviceName());
      assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("nosuchdevice is missing or failed to open")),
          plan.notes().toString());
      assertEquals(1, plan.regions().size());
      assertTrue(plan.regions().get(0).predictedMs() > 0);
      Tensor got = out.values().iterator().next();
      for (long i = 0; i < y.shape().numElements(); i++) {
        assertEquals(y.getFloat(i), got.getFloat(i), 1e-3, "logit " + i);
      }
      out.values().forEach(Tensor::close);
    }
  }
}
