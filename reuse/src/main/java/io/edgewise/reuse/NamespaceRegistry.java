package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store's namespaces: their rows in the meta table (id, model hash, tap, dim, feature type and A-LSH
 * parameters, little-endian), the in-memory map of them, and creating one on first use.
 */
final class NamespaceRegistry {
  private final StoreEnv env;
  private final MetaTable meta;
  private final StoreWriter writer;
  private final ReuseStoreOptions options;
  private final Map<Long, Namespace> namespaces = new ConcurrentHashMap<>();

  NamespaceRegistry(StoreEnv env, MetaTable meta, StoreWriter writer, ReuseStoreOptions options) {
    this.env = env;
    this.meta = meta;
    this.writer = writer;
    this.options = options;
  }

  Optional<Namespace> find(String modelHash, String tap) {
    return Optional.ofNullable(namespaces.get(StoreKeys.namespaceId(modelHash, tap)));
  }

  List<Namespace> all() {
    return List.copyOf(namespaces.values());
  }

  /**
   * The namespace of (model, tap), created on first use: its A-LSH base width is set from the example feature's
   * norm (1/1024 of it: the 16-bit cells then span about +-32 norms, and levels widen buckets up to 32x the norm).
   */
  Namespace getOrCreate(String modelHash, String tap, float[] example) {
    long id = StoreKeys.namespaceId(modelHash, tap);
    Namespace ns = namespaces.get(id);
    if (ns != null) {
      if (ns.dim() != example.length) {
        throw EdgewiseException.invalidArgument("reuse store " + env.dir + ": " + ns + " holds features of "
            + ns.dim() + " values, got " + example.length + " (did the tap point's shape change?)");
      }
      return ns;
    }
    double norm = Math.sqrt(dot(example, example));
    double width = Math.max(norm, 1e-6) / 1024;
    Namespace created = new Namespace(id, modelHash, tap, example.length, options.featureType(),
        new AdaptiveLsh(options.tables(), example.length, width, id));
    writer.write(txn -> {
      meta.putIfAbsent(txn, StoreKeys.NAMESPACE_PREFIX + Long.toHexString(id), encode(created));
      return null;
    });
    load();
    return namespaces.get(id);
  }

  /** Reads the namespaces stored (by this process or another) into the map; known ones are kept as they are. */
  void load() {
    env.read(txn -> {
      meta.forEachWithPrefix(txn, StoreKeys.NAMESPACE_PREFIX, v -> {
        Namespace ns = decode(v);
        namespaces.putIfAbsent(ns.id(), ns);
      });
      return null;
    });
  }

  /** Forgets every namespace (the store was cleared). */
  void clear() {
    namespaces.clear();
  }

  static ByteBuffer encode(Namespace ns) {
    byte[] model = StoreKeys.utf8(ns.modelHash());
    byte[] tap = StoreKeys.utf8(ns.tap());
    ByteBuffer b = ByteBuffer.allocateDirect(8 + 4 + model.length + 4 + tap.length + 4 + 1 + 4 + 8)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(ns.id()).putInt(model.length).put(model).putInt(tap.length).put(tap).putInt(ns.dim())
        .put((byte) ns.featureType().ordinal()).putInt(ns.lsh().tables()).putDouble(ns.lsh().baseWidth());
    return b.flip();
  }

  static Namespace decode(ByteBuffer value) {
    ByteBuffer b = value.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long id = b.getLong();
    byte[] model = new byte[b.getInt()];
    b.get(model);
    byte[] tap = new byte[b.getInt()];
    b.get(tap);
    int dim = b.getInt();
    FeatureType type = FeatureType.values()[b.get()];
    int tables = b.getInt();
    double width = b.getDouble();
    return new Namespace(id, new String(model, StandardCharsets.UTF_8), new String(tap, StandardCharsets.UTF_8), dim,
        type, new AdaptiveLsh(tables, dim, width, id));
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
