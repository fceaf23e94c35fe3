package io.edgewise.adapt.cosched.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.adapt.cosched.CoschedPolicy;
import io.edgewise.adapt.cosched.NodeState;
import io.edgewise.adapt.cosched.Observation;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runner on real sessions (the digits CNN on cpu, one thread per group): bookkeeping, not timing. */
class CoRunnerTest {
  private static final Path DIGITS = TestData.model("digits_cnn_0to9").resolve("model.onnx");

  private static DeviceGroup group(String name) {
    Session s = Session.open(DIGITS, SessionOptions.defaults().withDevice("cpu").withThreads(1));
    Tensor x = Tensor.ofFloats(Shape.of(1, 1, 8, 8), new float[64]);
    return new DeviceGroup(name, "cpu/1", List.of(s), List.of(Map.of(s.inputs().get(0).name(), x)));
  }

  /** Alternates the groups and records what it was told. */
  private static final class Recording implements CoschedPolicy {
    final List<Observation> seen = Collections.synchronizedList(new ArrayList<>());
    final List<NodeState> states = new ArrayList<>();
    int next;

    @Override
    public String name() {
      return "alternate";
    }

    @Override
    public int choose(int model, NodeState state) {
      states.add(state);
      return next++ % state.groups();
    }

    @Override
    public void observe(Observation o) {
      seen.add(o);
    }
  }

  @Test
  void everyRequestRunsWhereThePolicySaidAndThePolicyHearsWhatItCost() {
    Recording policy = new Recording();
    List<CoRunner.Completed> done = Collections.synchronizedList(new ArrayList<>());
    try (DeviceGroup g0 = group("cpu#0"); DeviceGroup g1 = group("cpu#1")) {
      CoRunner runner = new CoRunner(List.of(g0, g1), policy, done::add);
      List<Integer> placed = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        placed.add(runner.submit(0));
      }
      while (runner.outstanding() > 0) {
        Thread.onSpinWait();
      }
      assertEquals(List.of(), runner.stop());
      assertEquals(40, done.size());
      assertEquals(40, policy.seen.size());
      long onG0 = placed.stream().filter(g -> g == 0).count();
      assertEquals(20, onG0);
      assertEquals(onG0, done.stream().filter(d -> d.group() == 0).count());
      for (CoRunner.Completed d : done) {
        assertNull(d.error());
        assertTrue(d.waitMs() >= 0 && d.serviceMs() > 0, d.toString());
      }
      for (Observation o : policy.seen) {
        assertEquals(1.0, o.overlap()[o.group()]);
        for (double v : o.overlap()) {
          assertTrue(v >= 0 && v <= 1, o.toString());
        }
      }
      // the first decision saw an empty node; the queue counts it saw later never exceed what was submitted
      assertEquals(0, policy.states.get(0).queued(0) + policy.states.get(0).queued(1));
      for (int i = 0; i < policy.states.size(); i++) {
        NodeState s = policy.states.get(i);
        assertTrue(s.queued(0) + s.queued(1) <= i, "decision " + i + " saw " + s.queued(0) + "+" + s.queued(1));
      }
      double[] busy = runner.busyMs();
      assertTrue(busy[0] > 0 && busy[1] > 0);
    }
  }

  @Test
  void stopDropsWhatIsStillQueuedAndRunsNothingMore() {
    Recording policy = new Recording();
    List<CoRunner.Completed> done = Collections.synchronizedList(new ArrayList<>());
    try (DeviceGroup g0 = group("cpu#0")) {
      CoRunner runner = new CoRunner(List.of(g0), policy, done::add);
      for (int i = 0; i < 200; i++) {
        runner.submit(0);
      }
      List<CoRunner.Abandoned> dropped = runner.stop();
      assertEquals(200, dropped.size() + done.size(), "every request either ran or was dropped");
      assertEquals(0, runner.outstanding());
      assertThrows(IllegalStateException.class, () -> runner.submit(0));
    }
  }

  @Test
  void aPolicyPlacingWhereTheModelCannotRunIsAnError() {
    CoschedPolicy wrong = new CoschedPolicy() {
      @Override
      public String name() {
        return "wrong";
      }

      @Override
      public int choose(int model, NodeState state) {
        return 3;
      }
    };
    try (DeviceGroup g0 = group("cpu#0"); CoRunner runner = new CoRunner(List.of(g0), wrong, d -> {})) {
      assertThrows(EdgewiseException.class, () -> runner.submit(0));
      assertThrows(EdgewiseException.class, () -> runner.submit(1));
    }
  }
}
