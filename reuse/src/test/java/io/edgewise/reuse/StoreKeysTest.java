package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The tables' key layouts, byte for byte (big-endian, so LMDB's order is numeric order). */
class StoreKeysTest {
  private static String hex(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return HexFormat.of().formatHex(a);
  }

  @Test
  void entryKeyIsNamespaceThenIdBigEndian() {
    ByteBuffer k = StoreKeys.entryKey(ByteBuffer.allocateDirect(StoreKeys.ENTRY_KEY), 0x0102030405060708L, 0x1aL);
    assertEquals("0102030405060708" + "000000000000001a", hex(k));
  }

  @Test
  void indexKeyRoundTripsItsId() {
    ByteBuffer k = StoreKeys.indexKey(ByteBuffer.allocateDirect(StoreKeys.INDEX_KEY), 5, 2, 0x8000000000000001L, 42);
    assertEquals("0000000000000005" + "02" + "8000000000000001" + "000000000000002a", hex(k));
    assertEquals(StoreKeys.INDEX_KEY, k.remaining());
    assertEquals(42, StoreKeys.indexId(k));
  }

  @Test
  void inBucketComparesCodesUnsigned() {
    long code = 0x8000000000000001L; // negative as a signed long
    ByteBuffer k = StoreKeys.indexKey(ByteBuffer.allocateDirect(StoreKeys.INDEX_KEY), 5, 2, code, 42);
    assertTrue(StoreKeys.inBucket(k, 5, 2, 0x8000000000000000L, 0x800000000000000fL));
    assertTrue(StoreKeys.inBucket(k, 5, 2, 0, -1L), "the whole unsigned range holds every code");
    assertFalse(StoreKeys.inBucket(k, 5, 2, 0x8000000000000002L, -1L), "below the cell");
    assertFalse(StoreKeys.inBucket(k, 5, 2, 0, 0x8000000000000000L), "above the cell");
    assertFalse(StoreKeys.inBucket(k, 5, 3, 0, -1L), "another table");
    assertFalse(StoreKeys.inBucket(k, 6, 2, 0, -1L), "another namespace");
    ByteBuffer entryKey = StoreKeys.entryKey(ByteBuffer.allocateDirect(StoreKeys.ENTRY_KEY), 5, 42);
    assertFalse(StoreKeys.inBucket(entryKey, 5, 2, 0, -1L), "a key of another length");
  }

  @Test
  void idKeyRoundTrips() {
    ByteBuffer k = StoreKeys.idKey(123456789L);
    assertEquals("00000000075bcd15", hex(k));
    assertEquals(123456789L, StoreKeys.id(k));
  }

  @Test
  void metaNamesRoundTripInUtf8() {
    ByteBuffer k = StoreKeys.metaKey("blob:é");
    assertEquals("626c6f623ac3a9", hex(k));
    assertEquals("blob:é", StoreKeys.metaName(k));
    assertArrayEquals(new byte[] {'n', 's', ':'}, StoreKeys.utf8(StoreKeys.NAMESPACE_PREFIX));
  }

  /** The first 8 bytes of sha256("model-abc\ninput") are ea7d6af93a5f9d89 (computed with Python's hashlib). */
  @Test
  void namespaceIdIsTheSha256PrefixOfModelAndTap() {
    assertEquals(0xea7d6af93a5f9d89L, StoreKeys.namespaceId("model-abc", "input"));
    assertEquals(0xc52514e52b56137aL, StoreKeys.namespaceId("m", "t"));
  }
}
