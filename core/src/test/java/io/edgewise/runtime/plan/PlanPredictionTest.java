package io.edgewise.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.runtime.Devices;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The predicted time of each region against the sum the cost model defines, computed by hand on the five-node graph
 * of {@link PlannedExecutableTest#convElementwise} (x [1,4,8,8] -> conv1 -> a [1,8,8,8] -> add -> square -> sigmoid
 * -> t [1,8,8,8] -> conv2 -> y [1,4,8,8]): a region costs its nodes' figures, plus, once per value and not per node,
 * what moving each value it receives or sends costs on its side (call + bytes x per byte), nothing on the host's cpu.
 * "sim" is the ref backend under another name, so that the planner treats it as a device with memory of its own.
 */
class PlanPredictionTest {
  private static final BackendOptions OPTIONS = BackendOptions.defaults().withThreads(1);
  private static final double CALL = 0.01;
  private static final double PER_BYTE = 1e-6;
  /** 1x8x8x8 float32 (a, t) and 1x4x8x8 (x, y), in bytes. */
  private static final long WIDE = 8 * 8 * 8 * 4;
  private static final long NARROW = 4 * 8 * 8 * 4;

  private static Plan plan(Map<String, Double> cpuMs, Map<String, Double> simMs) {
    Map<String, Backend> backends = new LinkedHashMap<>();
    backends.put("cpu", Devices.open("cpu"));
    backends.put("sim", Devices.open("ref"));
    try (Model model = PlannedExecutableTest.convElementwise();
        Tensor x = Tensor.allocate(io.edgewise.tensor.DType.FLOAT32, Shape.of(1, 4, 8, 8))) {
      Map<String, Tensor> inputs = Map.of("x", x);
      String[] keys = Planner.keys(model, inputs);
      List<Node> nodes = model.graph().nodes();
      Map<String, ProfileDb.OpCost> cpu = new LinkedHashMap<>();
      Map<String, ProfileDb.OpCost> sim = new LinkedHashMap<>();
      for (int i = 0; i < keys.length; i++) {
        cpu.put(keys[i], new ProfileDb.OpCost(cpuMs.get(nodes.get(i).name()), "injected", 0, "test"));
        sim.put(keys[i], new ProfileDb.OpCost(simMs.get(nodes.get(i).name()), "injected", 0, "test"));
      }
      ProfileDb db = ProfileDb.inMemory();
      db.putOps("cpu", "cpu", 1, cpu);
      db.putOps("sim", "sim", 1, sim);
      // the cpu's probe figure is left out of the problem (it computes in host memory): 5 ms would show if it were not
      db.putTransfer("cpu", "cpu", 1, new ProfileDb.Transfer(5, 1, "test"));
      db.putTransfer("sim", "sim", 1, new ProfileDb.Transfer(CALL, PER_BYTE, "test"));
      try (PlannedExecutable exe = new PlannedExecutable(model, backends, new Planner(db, OPTIONS), OPTIONS,
          List.of())) {
        exe.run(inputs).values().forEach(Tensor::close);
        return exe.plan();
      }
    } finally {
      backends.values().forEach(Backend::close);
    }
  }

  private static Map<String, Double> ms(double conv1, double add, double square, double sigmoid, double conv2) {
    return Map.of("conv1", conv1, "add", add, "square", square, "sigmoid", sigmoid, "conv2", conv2);
  }

  @Test
  void aMixedPlanPredictsEachRegionAsItsNodesPlusTheValuesCrossingItsBorderOnce() {
    // cpu wins the convolutions, sim the elementwise chain, each by far more than a transfer costs
    Plan p = plan(ms(0.1, 3, 3, 3, 0.2), ms(4, 0.3, 0.05, 0.07, 4));
    assertEquals(List.of("cpu", "sim", "cpu"), p.regions().stream().map(Plan.Region::device).toList());
    double cross = CALL + PER_BYTE * WIDE;  // a or t on sim's side
    assertEquals(0.1, p.regions().get(0).predictedMs(), 1e-12);
    assertEquals(0.3 + 0.05 + 0.07 + 2 * cross, p.regions().get(1).predictedMs(), 1e-12);
    assertEquals(0.2, p.regions().get(2).predictedMs(), 1e-12);
    assertEquals(0.1 + 0.42 + 2 * cross + 0.2, p.predictedMs(), 1e-12);
    // the best single device: sim at 8.42 and x in, y out (cpu: 9.3)
    assertEquals("sim", p.bestSingleDevice());
    assertEquals(8.42 + 2 * (CALL + PER_BYTE * NARROW), p.bestSingleDeviceMs(), 1e-12);
  }

  @Test
  void aOneRegionPlanOnADeviceIsItsNodesPlusTheGraphInputAndOutputOnce() {
    Plan p = plan(ms(2, 2, 2, 2, 2), ms(0.5, 0.25, 0.125, 0.0625, 0.5));
    assertFalse(p.mixed());
    assertEquals(1, p.regions().size());
    double io = (CALL + PER_BYTE * NARROW) * 2;  // x in, y out: once each, however many nodes the region has
    assertEquals(1.4375 + io, p.regions().get(0).predictedMs(), 1e-12);
    assertEquals(p.predictedMs(), p.regions().get(0).predictedMs(), 1e-12);
    assertTrue(p.transfers().stream().allMatch(t -> t.bytes() == NARROW), p.transfers().toString());
  }

  @Test
  void aOneRegionPlanOnTheHostsCpuIsItsNodesAlone() {
    Plan p = plan(ms(0.5, 0.25, 0.125, 0.0625, 0.5), ms(2, 2, 2, 2, 2));
    assertEquals(List.of("cpu"), p.regions().stream().map(Plan.Region::device).toList());
    assertEquals(1.4375, p.regions().get(0).predictedMs(), 1e-12);
    assertTrue(p.transfers().stream().allMatch(t -> t.predictedMs() == 0), p.transfers().toString());
  }

}
