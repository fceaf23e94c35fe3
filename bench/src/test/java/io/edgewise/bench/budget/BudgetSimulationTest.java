package io.edgewise.bench.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The budget experiment's bookkeeping on a hand-made group over a link with no jitter (round trip always 100 ms):
 * "big" is always right and takes 50 ms, "small" always wrong and takes 5 ms (10 ms on the device, slowdown 2).
 */
class BudgetSimulationTest {
  private static BudgetSimulation.Measured constant(String name, boolean correct, double ms) {
    boolean[] c = new boolean[100];
    Arrays.fill(c, correct);
    double[] t = new double[100];
    Arrays.fill(t, ms);
    return new BudgetSimulation.Measured(name, c, t);
  }

  private static final BudgetSimulation SIM = new BudgetSimulation(
      List.of(constant("big", true, 50), constant("small", false, 5)), 2);
  private static final BudgetSimulation.Link FLAT = new BudgetSimulation.Link("flat", 100, 0);

  private static BudgetSimulation.Row row(List<BudgetSimulation.Row> rows, String policy, double sla) {
    return rows.stream().filter(r -> r.policy().startsWith(policy) && r.slaMs() == sla).findFirst().orElseThrow();
  }

  @Test
  void eachPolicyAnswersAsTheRuleSays() {
    List<BudgetSimulation.Row> rows = SIM.run(FLAT, new double[] {100, 140, 160}, 200, 1);
    assertEquals("small", SIM.localVariant());
    assertEquals(10, SIM.localP99Ms(), 1e-12);
    // static big: 150 ms, late at 140, on time (and right) at 160
    assertEquals(List.of(0.0, 0.0, 150.0), figures(row(rows, "static big", 140)));
    assertEquals(List.of(1.0, 1.0, 150.0), figures(row(rows, "static big", 160)));
    // MDInference: budget 160 - 100 = 60 fits big (50 + 0); budget 40 does not, so small runs: on time but wrong
    assertEquals(List.of(1.0, 1.0, 150.0), figures(row(rows, "MDInference", 160)));
    assertEquals(List.of(0.0, 1.0, 105.0), figures(row(rows, "MDInference", 140)));
    // SLA 100: even small is late (105) over the network; the fallback's local answer (10 ms) is used at the deadline
    assertEquals(List.of(0.0, 0.0, 105.0), figures(row(rows, "MDInference", 100)));
    assertEquals(List.of(0.0, 1.0, 100.0), figures(row(rows, "MDInference + on-device fallback", 100)));
  }

  private static List<Double> figures(BudgetSimulation.Row r) {
    return List.of(r.accuracy(), r.slaAttainment(), r.meanMs());
  }
}
