package io.edgewise.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.runtime.Devices;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check of a profile's figures against a whole run: the rule by hand, the rounds on a fake clock, and the
 * planner end to end on the cpu with figures a million times too slow (a run of the five-node graph of {@link
 * PlannedExecutableTest#convElementwise} takes microseconds, never 5,000 s), so that whether the check scales them
 * does not depend on the machine's speed, only by how much.
 */
class DriftCheckTest {
  private static final BackendOptions OPTIONS = BackendOptions.defaults().withThreads(1);
  /** The figure injected for every node: 1,000 s. */
  private static final double SLOW = 1e6;

  @Test
  void aCheckWithinTheMarginKeepsTheScaleAndOneOutsideItFollowsTheRun() {
    assertEquals(1.0, DriftCheck.factor(1, 10, 11.4));  // 1.14: within 15%
    assertEquals(1.16, DriftCheck.factor(1, 10, 11.6), 1e-12);
    assertEquals(1.0, DriftCheck.factor(1, 10, 8.7));  // 0.87 > 1 / 1.15 = 0.8696
    assertEquals(0.86, DriftCheck.factor(1, 10, 8.6), 1e-12);
    assertEquals(1.0, DriftCheck.factor(2, 10, 5), 1e-12);  // figures at x2 predicted 10, measured 5: x1 now
    assertEquals(2.0, DriftCheck.factor(2, 10, Double.NaN));  // nothing measured: nothing changes
    assertEquals(2.0, DriftCheck.factor(2, Double.POSITIVE_INFINITY, 5));
  }

  @Test
  void theDevicesAlternateInBlocksUntilEachHadItsMinimumTime() {
    // device 0 runs 2 ms, device 1 10 ms: a block is 10 timed runs of device 0 (20 ms reached at the 10th) and 3 of
    // device 1 (30 ms), each after one uncounted run. Device 0's 20 ms a round reaches the 150 ms minimum after 8
    // rounds: 80 and 24 timed runs, 8 x (11 x 2 + 4 x 10) = 496 ms
    long[] now = {0};
    double[] ms = {2, 10};
    int[] calls = new int[2];
    DriftCheck.Samples s = DriftCheck.measure(2, i -> {
      calls[i]++;
      now[0] += Math.round(ms[i] * 1e6);
    }, () -> now[0]);
    assertEquals(80, s.runs(0));
    assertEquals(24, s.runs(1));
    assertEquals(88, calls[0]);
    assertEquals(2.0, s.median(0));
    assertEquals(10.0, s.median(1));
    assertEquals(496_000_000L, now[0]);
  }

  @Test
  void aRoundAsLongAsTheCallersBlocksTimesExactlyThatManyRunsEach() {
    // 0.5 ms a run would take 40 runs to fill 20 ms; a round of 4 takes 4 (after one uncounted), whatever the clock
    long[] now = {0};
    int[] calls = new int[2];
    DriftCheck.Samples s = new DriftCheck.Samples(2);
    for (int r = 0; r < 3; r++) {
      s.round(i -> {
        calls[i]++;
        now[0] += i == 0 ? 500_000L : 30_000_000L;
      }, () -> now[0], 4);
    }
    assertEquals(12, s.runs(0));
    assertEquals(12, s.runs(1));
    assertEquals(15, calls[0]);
    assertEquals(0.5, s.median(0));
    assertEquals(30.0, s.median(1));
  }

  @Test
  void slowDevicesStopAtTheTimeBoundAfterTheMinimumRounds() {
    // 0.8 and 0.9 s a run: 6.8 s a round, past the 3 s bound after one, but three rounds of 3 timed runs each
    long[] now = {0};
    double[] ms = {800, 900};
    DriftCheck.Samples s = DriftCheck.measure(2, i -> now[0] += Math.round(ms[i] * 1e6), () -> now[0]);
    assertEquals(9, s.runs(0));
    assertEquals(9, s.runs(1));
    assertEquals(3 * (4 * 800 + 4 * 900) * 1_000_000L, now[0]);
  }

  @Test
  void checkedRegionsArePredictedAtTheirDevicesFactors() {
    Plan p = new Plan("x", List.of("cpu", "sim"), List.of(), List.of(new Plan.Region("cpu", 2, 2.0, 2.5),
        new Plan.Region("sim", 3, 3.0, 3.1), new Plan.Region("cpu", 1, 1.0, 1.4)), List.of(), 6.0, "cpu", 7.0,
        List.of(), List.of());
    Plan c = p.withChecks(List.of(new Plan.Check("cpu", 4.0, 6.0, 9, 1.5), new Plan.Check("sim", 5, 5.2, 9, 1.0)));
    assertEquals(List.of(3.0, 3.0, 1.5), c.regions().stream().map(Plan.Region::predictedMs).toList());
    assertEquals(List.of(2.0, 3.0, 1.0), c.regions().stream().map(Plan.Region::profileMs).toList());
    assertEquals(List.of(2.5, 3.1, 1.4), c.regions().stream().map(Plan.Region::measuredMs).toList());
    assertEquals(7.5, c.predictedMs(), 1e-12);
    assertEquals(6.0, p.withChecks(List.of()).predictedMs());
  }

  /** Every node of the graph at {@code ms} on cpu, marked {@code source}; the cpu's transfer (left out) given. */
  private static void inject(ProfileDb db, Model model, Map<String, Tensor> inputs, double ms, String source) {
    Map<String, ProfileDb.OpCost> ops = new LinkedHashMap<>();
    for (String k : Planner.keys(model, inputs)) {
      ops.put(k, new ProfileDb.OpCost(ms, source, 10, "test"));
    }
    db.putOps("cpu", "cpu", 1, ops);
    db.putTransfer("cpu", "cpu", 1, new ProfileDb.Transfer(0, 0, "test"));
  }

  /** Plans and runs the graph once on cpu alone with {@code db}; the plan, or after {@code then} if given. */
  private static Plan planOnCpu(ProfileDb db, java.util.function.BiConsumer<PlannedExecutable, Map<String, Tensor>>
      then) {
    Map<String, Backend> backends = new LinkedHashMap<>();
    backends.put("cpu", Devices.open("cpu"));
    try (Model model = PlannedExecutableTest.convElementwise();
        Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 4, 8, 8))) {
      Map<String, Tensor> inputs = Map.of("x", x);
      try (PlannedExecutable exe = new PlannedExecutable(model, backends, new Planner(db, OPTIONS, true), OPTIONS,
          List.of())) {
        exe.run(inputs).values().forEach(Tensor::close);
        if (then != null) {
          then.accept(exe, inputs);
        }
        return exe.plan();
      }
    } finally {
      backends.values().forEach(Backend::close);
    }
  }

  private static Map<String, Tensor> inputsOf(Model model) {
    return Map.of("x", Tensor.allocate(DType.FLOAT32, Shape.of(1, 4, 8, 8)));
  }

  @Test
  void measuredFiguresFarFromTheWholeRunAreScaledToItAndTheRescaleIsKeptInTheProfile(@TempDir Path dir) {
    ProfileDb db = ProfileDb.load(dir.resolve("profile.json"));
    try (Model model = PlannedExecutableTest.convElementwise()) {
      Map<String, Tensor> inputs = inputsOf(model);
      inject(db, model, inputs, SLOW, "measured");
      inputs.values().forEach(Tensor::close);
    }
    Plan plan = planOnCpu(db, null);
    ProfileDb.Rescale r = db.rescale("cpu", 1);
    assertNotNull(r, plan.notes().toString());
    assertEquals("model 'conv_elementwise'", r.model());
    assertEquals(5 * SLOW, r.predictedMs());
    assertTrue(r.measuredMs() > 0, r.toString());
    assertEquals(r.measuredMs() / (5 * SLOW), r.factor(), 1e-15);
    assertEquals(r.factor(), db.scale("cpu", 1));
    // the one-region plan is predicted at the scaled figures: the check's own median
    assertEquals(1, plan.regions().size());
    assertEquals(r.measuredMs(), plan.regions().get(0).predictedMs(), 1e-9 * r.measuredMs());
    assertTrue(plan.notes().stream().anyMatch(n -> n.contains("figures scaled by")), plan.notes().toString());
    // the stored figures are kept as they were; the factor is what moved, and the file keeps it
    try (Model model = PlannedExecutableTest.convElementwise()) {
      Map<String, Tensor> inputs = inputsOf(model);
      for (String k : Planner.keys(model, inputs)) {
        assertEquals(SLOW, db.op("cpu", 1, k).ms());
      }
      inputs.values().forEach(Tensor::close);
    }
    assertTrue(Files.exists(dir.resolve("profile.json")));
    assertEquals(r, ProfileDb.load(dir.resolve("profile.json")).rescale("cpu", 1));
  }

  @Test
  void aDevicePredictedMoreThanTwiceTheBestIsNotChecked() {
    // cpu at 10^6 ms a node, ref at 10^9: ref is predicted 1000x the cpu, is never picked alone, and its check's runs
    // are spared; the cpu is checked (and scaled, its figures being far off)
    ProfileDb db = ProfileDb.inMemory();
    Map<String, Backend> backends = new LinkedHashMap<>();
    backends.put("cpu", Devices.open("cpu"));
    backends.put("ref", Devices.open("ref"));
    try (Model model = PlannedExecutableTest.convElementwise();
        Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 4, 8, 8))) {
      Map<String, Tensor> inputs = Map.of("x", x);
      inject(db, model, inputs, SLOW, "measured");
      Map<String, ProfileDb.OpCost> ref = new LinkedHashMap<>();
      for (String k : Planner.keys(model, inputs)) {
        ref.put(k, new ProfileDb.OpCost(1000 * SLOW, "measured", 10, "test"));
      }
      db.putOps("ref", "ref", 1, ref);
      db.putTransfer("ref", "ref", 1, new ProfileDb.Transfer(0, 0, "test"));
      try (PlannedExecutable exe = new PlannedExecutable(model, backends, new Planner(db, OPTIONS, true), OPTIONS,
          List.of())) {
        exe.run(inputs).values().forEach(Tensor::close);
        assertEquals(List.of("cpu"), exe.plan().regions().stream().map(Plan.Region::device).toList());
      }
    } finally {
      backends.values().forEach(Backend::close);
    }
    assertNotNull(db.rescale("cpu", 1));
    assertNull(db.rescale("ref", 1));
  }

  @Test
  void injectedFiguresAreTakenAsGivenNotChecked() {
    ProfileDb db = ProfileDb.inMemory();
    try (Model model = PlannedExecutableTest.convElementwise()) {
      Map<String, Tensor> inputs = inputsOf(model);
      inject(db, model, inputs, SLOW, "injected");
      inputs.values().forEach(Tensor::close);
    }
    Plan plan = planOnCpu(db, null);
    assertNull(db.rescale("cpu", 1));
    assertEquals(5 * SLOW, plan.regions().get(0).predictedMs(), 1e-6);
  }

  @Test
  void figuresMeasuredOnARescaledDeviceAreStoredAtItsScale() {
    // the profile says the cpu's figures count double; the graph's figures are missing, so the planner measures
    // them: stored halved, they count as measured, and the one-region plan is predicted at the measured whole run
    // (its note; the nodes' figures add up to it on the host's cpu), not at twice it
    ProfileDb db = ProfileDb.inMemory();
    db.putRescale("cpu", "cpu", 1, new ProfileDb.Rescale(2.0, "other", 1, 2, "test"));
    db.putTransfer("cpu", "cpu", 1, new ProfileDb.Transfer(0, 0, "test"));
    Plan plan = planOnCpu(db, null);
    String note = plan.notes().stream().filter(n -> n.startsWith("cpu measured at ")).findFirst().orElseThrow();
    double whole = Double.parseDouble(note.substring("cpu measured at ".length(), note.indexOf(" ms per whole run")));
    assertEquals(whole, plan.predictedMs(), 1e-5 * whole, note);
    try (Model model = PlannedExecutableTest.convElementwise()) {
      Map<String, Tensor> inputs = inputsOf(model);
      String[] keys = Planner.keys(model, inputs);
      List<Node> nodes = model.graph().nodes();
      for (int i = 0; i < keys.length; i++) {
        assertEquals(plan.nodes().get(i).predictedMs(), 2 * db.op("cpu", 1, keys[i]).ms(), 1e-12,
            nodes.get(i).name());
      }
      inputs.values().forEach(Tensor::close);
    }
    assertEquals(2.0, db.scale("cpu", 1));  // measured here: nothing to check, the factor stays
  }

  @Test
  void aCheckBesideTheRunsPredictsEachRegionAtItsDevicesCheckedSpeed() {
    // injected figures (not checked at planning): the plan predicts 5,000 s; two rounds of the check beside the
    // runs measure the real whole run, and the region is predicted at it
    ProfileDb db = ProfileDb.inMemory();
    try (Model model = PlannedExecutableTest.convElementwise()) {
      Map<String, Tensor> inputs = inputsOf(model);
      inject(db, model, inputs, SLOW, "injected");
      inputs.values().forEach(Tensor::close);
    }
    Plan plan = planOnCpu(db, (exe, inputs) -> {
      exe.check(inputs);
      exe.check(inputs);
    });
    assertEquals(1, plan.checks().size());
    Plan.Check c = plan.checks().get(0);
    assertEquals("cpu", c.device());
    assertEquals(5 * SLOW, c.predictedMs(), 1e-6);
    assertTrue(c.runs() >= 2 * DriftCheck.BLOCK, c.toString());
    assertEquals(c.measuredMs() / c.predictedMs(), c.factor(), 1e-15);
    Plan.Region r = plan.regions().get(0);
    assertEquals(5 * SLOW, r.profileMs(), 1e-6);
    assertEquals(c.measuredMs(), r.predictedMs(), 1e-9 * c.measuredMs());
  }
}
