package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key layouts of the store's LMDB tables. Numbers are big-endian so that LMDB's byte order is their unsigned
 * numeric order: {@code entries} (namespace, id); {@code index} (namespace, table, Morton code, id), so that one
 * A-LSH cell of a table is one key range; {@code stats} (id); {@code meta} a UTF-8 name.
 */
final class StoreKeys {
  /** namespace(8) + table(1) + Morton code(8) + id(8). */
  static final int INDEX_KEY = 25;
  /** namespace(8) + id(8). */
  static final int ENTRY_KEY = 16;
  static final int ID_KEY = 8;
  /** Offsets in an index key. */
  private static final int INDEX_TABLE = 8;
  private static final int INDEX_CODE = 9;
  private static final int INDEX_ID = 17;
  /** Prefixes of the meta table's names. */
  static final String NAMESPACE_PREFIX = "ns:";
  static final String BLOB_PREFIX = "blob:";

  private StoreKeys() {}

  /** (namespace, id) into {@code into}, returned flipped. */
  static ByteBuffer entryKey(ByteBuffer into, long ns, long id) {
    into.clear();
    return into.putLong(ns).putLong(id).flip();
  }

  /** (namespace, table, code, id) into {@code into}, returned flipped. */
  static ByteBuffer indexKey(ByteBuffer into, long ns, int table, long code, long id) {
    into.clear();
    return into.putLong(ns).put((byte) table).putLong(code).putLong(id).flip();
  }

  /** The entry id of an index key. */
  static long indexId(ByteBuffer key) {
    return key.order(ByteOrder.BIG_ENDIAN).getLong(INDEX_ID);
  }

  /**
   * Whether an index key belongs to the bucket of one namespace and table whose codes run from {@code low} to
   * {@code high} (unsigned, inclusive).
   */
  static boolean inBucket(ByteBuffer key, long ns, int table, long low, long high) {
    ByteBuffer k = key.order(ByteOrder.BIG_ENDIAN);
    return k.remaining() == INDEX_KEY && k.getLong(0) == ns && k.get(INDEX_TABLE) == table
        && Long.compareUnsigned(k.getLong(INDEX_CODE), low) >= 0
        && Long.compareUnsigned(k.getLong(INDEX_CODE), high) <= 0;
  }

  /** An id as a stats key, in this thread's scratch buffer. */
  static ByteBuffer idKey(long id) {
    return Scratch.get().idKey.clear().putLong(id).flip();
  }

  /** The id of a stats key. */
  static long id(ByteBuffer key) {
    return key.order(ByteOrder.BIG_ENDIAN).getLong(0);
  }

  /** A meta name as a freshly allocated key (for keys kept across other key encodings of the thread). */
  static ByteBuffer metaKey(String name) {
    byte[] b = utf8(name);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  /** The meta name a key spells. */
  static String metaName(ByteBuffer key) {
    byte[] b = new byte[key.remaining()];
    key.duplicate().get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** The namespace id of (model, tap): the first 8 bytes, big-endian, of sha256(model hash + "\n" + tap). */
  static long namespaceId(String modelHash, String tap) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(utf8(modelHash + "\n" + tap));
      return ByteBuffer.wrap(h).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
