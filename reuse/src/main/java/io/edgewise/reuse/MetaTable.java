package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.function.Consumer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * The {@code meta} table's named values: the counters (byte total of the entries, next id), namespace rows and
 * blobs, each under a UTF-8 name.
 */
final class MetaTable {
  private static final byte[] TOTAL_BYTES = StoreKeys.utf8("total_bytes");
  private static final byte[] NEXT_ID = StoreKeys.utf8("next_id");

  private final Dbi<ByteBuffer> meta;

  MetaTable(Dbi<ByteBuffer> meta) {
    this.meta = meta;
  }

  /** Bytes the stored entries occupy (values, keys, stats rows, index keys). */
  long totalBytes(Txn<ByteBuffer> txn) {
    return getLong(txn, TOTAL_BYTES);
  }

  void putTotalBytes(Txn<ByteBuffer> txn, long bytes) {
    putLong(txn, TOTAL_BYTES, bytes);
  }

  /** The id the next inserted entry gets. */
  long nextId(Txn<ByteBuffer> txn) {
    return getLong(txn, NEXT_ID);
  }

  void putNextId(Txn<ByteBuffer> txn, long id) {
    putLong(txn, NEXT_ID, id);
  }

  Optional<byte[]> blob(Txn<ByteBuffer> txn, String name) {
    ByteBuffer v = meta.get(txn, StoreKeys.metaKey(StoreKeys.BLOB_PREFIX + name));
    if (v == null) {
      return Optional.empty();
    }
    byte[] b = new byte[v.remaining()];
    v.duplicate().get(b);
    return Optional.of(b);
  }

  void putBlob(Txn<ByteBuffer> txn, String name, byte[] data) {
    ByteBuffer v = ByteBuffer.allocateDirect(Math.max(1, data.length));
    v.put(data).flip();
    meta.put(txn, StoreKeys.metaKey(StoreKeys.BLOB_PREFIX + name), v);
  }

  /** Writes the value under {@code name} unless a value is there already. */
  void putIfAbsent(Txn<ByteBuffer> txn, String name, ByteBuffer value) {
    ByteBuffer key = StoreKeys.metaKey(name);
    if (meta.get(txn, key) == null) {
      meta.put(txn, key, value);
    }
  }

  /** Hands the value of every name starting with {@code prefix} to {@code action}, in name order. */
  void forEachWithPrefix(Txn<ByteBuffer> txn, String prefix, Consumer<ByteBuffer> action) {
    try (Cursor<ByteBuffer> c = meta.openCursor(txn)) {
      if (!c.get(StoreKeys.metaKey(prefix), GetOp.MDB_SET_RANGE)) {
        return;
      }
      do {
        if (!StoreKeys.metaName(c.key()).startsWith(prefix)) {
          break;
        }
        action.accept(c.val());
      } while (c.next());
    }
  }

  private long getLong(Txn<ByteBuffer> txn, byte[] name) {
    ByteBuffer v = meta.get(txn, Scratch.get().metaKey(name));
    return v == null ? 0 : v.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }

  private void putLong(Txn<ByteBuffer> txn, byte[] name, long value) {
    meta.put(txn, Scratch.get().metaKey(name), Scratch.get().counter.clear().putLong(value).flip());
  }
}
