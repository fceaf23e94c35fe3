package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A namespace's row in the meta table round-trips with its A-LSH parameters. */
class NamespaceRegistryTest {
  @Test
  void namespaceRowRoundTrips() {
    long id = StoreKeys.namespaceId("model", "tap");
    Namespace ns = new Namespace(id, "model", "tap", 16, FeatureType.F32, new AdaptiveLsh(6, 16, 0.25, id));
    ByteBuffer row = NamespaceRegistry.encode(ns);
    // id 8, model 4 + 5, tap 4 + 3, dim 4, type 1, tables 4, width 8
    assertEquals(41, row.remaining());
    Namespace back = NamespaceRegistry.decode(row);
    assertEquals(id, back.id());
    assertEquals("model", back.modelHash());
    assertEquals("tap", back.tap());
    assertEquals(16, back.dim());
    assertEquals(FeatureType.F32, back.featureType());
    assertEquals(6, back.lsh().tables());
    assertEquals(0.25, back.lsh().baseWidth());
    float[] v = new float[16];
    v[3] = 1.5f;
    assertEquals(java.util.Arrays.toString(ns.lsh().codes(v)), java.util.Arrays.toString(back.lsh().codes(v)),
        "the same projections, so stored index keys still match");
  }
}
