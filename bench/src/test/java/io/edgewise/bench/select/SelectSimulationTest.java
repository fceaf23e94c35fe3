package io.edgewise.bench.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.ModelSelector;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulation's bookkeeping on a synthetic group (no model runs): the oracle has no regret, every policy's regret
 * is non-negative, the bandits learn (less regret than one common model), and a group that fits no device is refused.
 */
class SelectSimulationTest {
  private static final List<ModelSelector.Variant> GROUP = List.of(
      new ModelSelector.Variant("float", 0, 39_720, 0.98, 0.05),
      new ModelSelector.Variant("half", 0, 15_272, 0.975, 0.03),
      new ModelSelector.Variant("tiny", 0, 2_984, 0.93, 0.015));

  @Test
  void theOracleHasNoRegretAndTheBanditsBeatOneCommonModel() {
    List<SelectSimulation.PolicyRun> runs = new SelectSimulation(GROUP, 40, 0.5, 3).run(3000, 3, 0.3, 0.1, 0.1);
    assertEquals(6, runs.size());
    SelectSimulation.PolicyRun oracle = runs.get(5);
    assertEquals("oracle", oracle.policy());
    assertEquals(0, oracle.regret().cumulativeRegret(), 1e-12);
    for (SelectSimulation.PolicyRun r : runs) {
      assertEquals(3000, r.regret().rounds());
      assertTrue(r.regret().cumulativeRegret() >= 0, r.policy());
      assertTrue(r.regret().meanReward() <= oracle.regret().meanReward() + 0.02, r.policy() + " vs oracle");
    }
    double common = runs.get(0).regret().cumulativeRegret();
    assertTrue(common > 0, "the population is heterogeneous: one model is not best for all");
    assertTrue(runs.get(3).regret().cumulativeRegret() < common, "LinUCB");
    assertTrue(runs.get(4).regret().cumulativeRegret() < common, "Thompson");
  }

  @Test
  void aGroupThatFitsNoMicrocontrollerIsRefused() {
    List<ModelSelector.Variant> big = List.of(new ModelSelector.Variant("float", 0, 1 << 20, 0.98, 0.05));
    assertThrows(EdgewiseException.class, () -> new SelectSimulation(big, 8, 0.5, 1));
  }

  @Test
  void normalQuantilesMatchTables() {
    assertEquals(0, SelectSimulation.inverseNormal(0.5), 1e-9);
    assertEquals(1.959963985, SelectSimulation.inverseNormal(0.975), 1e-4);
    assertEquals(-2.326347874, SelectSimulation.inverseNormal(0.01), 1e-4);
  }
}
