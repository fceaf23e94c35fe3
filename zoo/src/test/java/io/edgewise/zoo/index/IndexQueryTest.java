package io.edgewise.zoo.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pareto sets and constraints on hand-made figures, with the answers worked out by hand. */
class IndexQueryTest {
  // accuracy, bytes, cpu/1 ms, cpu/2 ms
  static final List<VariantRecord> RECORDS = List.of(
      ModelIndexTest.record("float", "a", 0.98, 400, 1.0, 0.6),
      ModelIndexTest.record("int8", "b", 0.97, 120, 0.5, 0.3),
      ModelIndexTest.record("fp16", "c", 0.98, 200, 1.1, 0.7),   // dominated by nothing: smaller than float
      ModelIndexTest.record("bad", "d", 0.96, 130, 0.6, 0.4),    // dominated by int8 everywhere
      ModelIndexTest.record("tiny", "e", 0.90, 50, 0.2, 0.1));

  private static List<String> names(QueryResult r) {
    return r.pareto().stream().map(c -> c.variant() + "@" + c.target()).toList();
  }

  @Test
  void paretoOnOneTarget() {
    QueryResult r = new IndexQuery("m", "cpu", 1, -1, -1, -1).run(RECORDS);
    // float (0.98, 1.0, 400) and fp16 (0.98, 1.1, 200): neither dominates; bad is dominated by int8
    assertEquals(List.of("float@cpu/1", "fp16@cpu/1", "int8@cpu/1", "tiny@cpu/1"), names(r));
    assertEquals("float", r.recommended().variant());
  }

  @Test
  void constraintsFilterBeforeTheParetoSet() {
    QueryResult r = new IndexQuery("m", "cpu", 2, 0.5, 0.95, -1).run(RECORDS);
    // cpu/2 under 0.5 ms: int8 0.3, bad 0.4, tiny 0.1; accuracy >= 0.95 drops tiny; bad is dominated by int8
    assertEquals(List.of("int8@cpu/2"), names(r));
    assertEquals("int8", r.recommended().variant());
    assertTrue(r.excluded().stream().anyMatch(e -> e.startsWith("latency budget 0.500 ms excluded float on cpu/2")),
        r.excluded().toString());
  }

  @Test
  void anEmptyAnswerSaysWhichConstraintExcludedWhat() {
    QueryResult r = new IndexQuery("m", "cpu", 1, 0.3, 0.95, -1).run(RECORDS);
    assertNull(r.recommended());
    assertEquals(List.of(), r.pareto());
    assertEquals(2, r.excluded().size(), r.excluded().toString());
    String latency = r.excluded().get(0);
    String accuracy = r.excluded().get(1);
    assertTrue(latency.startsWith("latency budget 0.300 ms excluded float on cpu/1"), latency);
    assertTrue(latency.contains("int8 on cpu/1") && !latency.contains("tiny"), latency);
    assertTrue(accuracy.startsWith("min accuracy 0.9500 excluded tiny on cpu/1"), accuracy);
  }

  @Test
  void sizeLimitAndAnyTarget() {
    QueryResult r = new IndexQuery("m", null, 0, -1, -1, 150).run(RECORDS);
    // int8 (120), bad (130), tiny (50) on both targets; int8@cpu/2 dominates int8@cpu/1 and bad everywhere
    assertEquals(List.of("int8@cpu/2", "tiny@cpu/2"), names(r));
    QueryResult none = new IndexQuery("m", "ort", 0, -1, -1, -1).run(RECORDS);
    assertEquals(List.of("no variant of 'm' was measured on ort"), none.excluded());
    assertEquals(List.of("the index has no variant of model 'x'"),
        new IndexQuery("x", null, 0, -1, -1, -1).run(List.of()).excluded());
  }
}
