package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NativeLeakGuard.class)
class RecentPlansTest {
  @Test
  void keepsTheBoundMostRecentlyUsedShapes() {
    RecentPlans<String> plans = new RecentPlans<>(3);
    Shape a = Shape.of(1, 3, 32, 32);
    Shape b = Shape.of(1, 3, 64, 32);
    Shape c = Shape.of(1, 3, 32, 64);
    Shape d = Shape.of(1, 3, 64, 64);
    plans.put(a, "a");
    plans.put(b, "b");
    plans.put(c, "c");
    assertEquals("a", plans.get(Shape.of(1, 3, 32, 32)));  // a used: b is now the least recently used
    plans.put(d, "d");
    assertEquals(3, plans.size());
    assertNull(plans.get(b), "the least recently used shape went");
    assertEquals("a", plans.get(a));
    assertEquals("c", plans.get(c));
    assertEquals("d", plans.get(d));
    plans.put(c, "c2");  // a shape kept is replaced in place
    assertEquals(3, plans.size());
    assertEquals("c2", plans.get(c));
    plans.put(b, "b");  // a is now the least recently used
    assertNull(plans.get(a));
  }
}
