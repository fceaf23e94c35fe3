package io.edgewise.zoo.index;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.KeyRange;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * The model index: variants keyed by (base model, variant name) in an LMDB environment (lmdbjava, as the reuse
 * store), each a JSON {@link VariantRecord}, plus a table from file content hash to key. Every put is one write
 * transaction: a failure anywhere in it (the map full, a hash already naming a different file) aborts it and the
 * index stays as it was. As the reuse store, commits are not fsynced one by one ({@code MDB_NOSYNC}: they survive a
 * process crash, not a power cut); close() forces them to disk. (Synced commits cost seconds per tailoring run on a
 * busy disk: a large share of a small model's whole run.) Readers never wait for the writer (MVCC).
 *
 * <pre>{@code
 * try (ModelIndex index = ModelIndex.open(Path.of("target/zoo/index"))) {
 *   index.put(record);
 *   List<VariantRecord> variants = index.list("digits_cnn_0to9");
 *   QueryResult best = index.query(new IndexQuery("digits_cnn_0to9", "cpu", 1, 0.5, 0.95, -1));
 * }
 * }</pre>
 */
public final class ModelIndex implements AutoCloseable {
  /** The default map size: records are small (about 1 KB each). */
  public static final long DEFAULT_MAP_BYTES = 64L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer> variants;
  private final Dbi<ByteBuffer> hashes;
  private boolean closed;

  private ModelIndex(Path dir, Env<ByteBuffer> env) {
    this.dir = dir;
    this.env = env;
    this.variants = env.openDbi("variants", DbiFlags.MDB_CREATE);
    this.hashes = env.openDbi("hashes", DbiFlags.MDB_CREATE);
  }

  public static ModelIndex open(Path dir) {
    return open(dir, DEFAULT_MAP_BYTES);
  }

  /** Opens (creating if needed) the index in {@code dir} with a map of {@code mapBytes}. */
  public static ModelIndex open(Path dir, long mapBytes) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "model index: cannot create directory " + dir + ": " + e, e);
    }
    Env<ByteBuffer> env = null;
    try {
      env = Env.create().setMapSize(mapBytes).setMaxDbs(4).setMaxReaders(64).open(dir.toFile(), EnvFlags.MDB_NOTLS,
          EnvFlags.MDB_NOSYNC);
      return new ModelIndex(dir, env);
    } catch (LmdbException e) {
      if (env != null) {
        env.close();
      }
      throw new EdgewiseException(ErrorCode.IO, "model index: cannot open LMDB environment in " + dir + ": " + e, e);
    }
  }

  public Path dir() {
    return dir;
  }

  static String key(String base, String variant) {
    return base + "\u0000" + variant;
  }

  private static ByteBuffer direct(byte[] b) {
    ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(1, b.length));
    buf.put(b).flip();
    return buf;
  }

  private static ByteBuffer direct(String s) {
    return direct(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String string(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return new String(out, StandardCharsets.UTF_8);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("model index " + dir + " is closed");
    }
  }

  /**
   * Adds or replaces one variant in one transaction: its record and its content hash's entry. A hash already naming
   * another (base, variant) whose record still carries it is refused, and nothing is written.
   */
  public synchronized void put(VariantRecord r) {
    checkOpen();
    if (r.base() == null || r.base().isEmpty() || r.variant() == null || r.variant().isEmpty()
        || r.base().contains("\u0000") || r.variant().contains("\u0000")) {
      throw EdgewiseException.invalidArgument("model index: a variant needs a base model and a variant name");
    }
    byte[] value;
    try {
      value = JSON.writeValueAsBytes(r);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.INTERNAL, "model index: cannot encode " + r.variant() + ": " + e, e);
    }
    String key = key(r.base(), r.variant());
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      VariantRecord old = read(txn, key);
      variants.put(txn, direct(key), direct(value));
      if (old != null && old.sha256() != null && !old.sha256().equals(r.sha256())) {
        hashes.delete(txn, direct(old.sha256()));
      }
      if (r.sha256() != null) {
        ByteBuffer owner = hashes.get(txn, direct(r.sha256()));
        if (owner != null && !string(owner).equals(key)) {
          VariantRecord other = read(txn, string(owner));
          if (other != null && r.sha256().equals(other.sha256())) {
            throw EdgewiseException.invalidArgument("model index " + dir + ": " + r.base() + "/" + r.variant()
                + " has the same file content (sha256 " + r.sha256().substring(0, Math.min(12, r.sha256().length()))
                + ") as " + other.base() + "/"
                + other.variant());
          }
        }
        hashes.put(txn, direct(r.sha256()), direct(key));
      }
      txn.commit();
    } catch (LmdbException e) {
      throw new EdgewiseException(ErrorCode.IO, "model index " + dir + ": cannot store " + r.base() + "/"
          + r.variant() + " (nothing was written): " + e.getMessage(), e);
    }
  }

  private VariantRecord read(Txn<ByteBuffer> txn, String key) {
    ByteBuffer v = variants.get(txn, direct(key));
    return v == null ? null : decode(v, key);
  }

  private VariantRecord decode(ByteBuffer v, String key) {
    byte[] b = new byte[v.remaining()];
    v.duplicate().get(b);
    try {
      return JSON.readValue(b, VariantRecord.class);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "model index " + dir + ": record " + key.replace('\u0000', '/')
          + " is not readable: " + e.getMessage(), e);
    }
  }

  /** One variant, or null. */
  public VariantRecord get(String base, String variant) {
    checkOpen();
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      return read(txn, key(base, variant));
    }
  }

  /** Every variant, by base model then variant name. */
  public List<VariantRecord> list() {
    return list(null);
  }

  /** The variants of one base model (every one for null). */
  public List<VariantRecord> list(String base) {
    checkOpen();
    List<VariantRecord> out = new ArrayList<>();
    try (Txn<ByteBuffer> txn = env.txnRead();
         CursorIterable<ByteBuffer> it = variants.iterate(txn, KeyRange.all())) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        VariantRecord r = decode(kv.val(), string(kv.key()));
        if (base == null || r.base().equals(base)) {
          out.add(r);
        }
      }
    }
    out.sort(Comparator.comparing(VariantRecord::base).thenComparing(VariantRecord::variant));
    return out;
  }

  /** The (base, variant) whose file has this content hash, or null. */
  public String ownerOf(String sha256) {
    checkOpen();
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      ByteBuffer v = hashes.get(txn, direct(sha256));
      return v == null ? null : string(v).replace('\u0000', '/');
    }
  }

  /** The Pareto-best variants and the recommended one under the query's constraints ({@link IndexQuery}). */
  public QueryResult query(IndexQuery q) {
    return q.run(list(q.model()));
  }

  /** Replaces a variant's measurements (re-profiling on this machine); one transaction. */
  public void updateLatency(String base, String variant, Map<String, Measurement> latency) {
    VariantRecord r = get(base, variant);
    if (r == null) {
      throw EdgewiseException.invalidArgument("model index " + dir + " has no variant " + base + "/" + variant);
    }
    put(new VariantRecord(r.base(), r.variant(), r.transforms(), r.file(), r.sha256(), r.bytes(), r.metric(),
        r.accuracy(), r.metricValue(), latency, r.profileShapes(), r.createdMillis()));
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        env.sync(true);
      } finally {
        env.close();
      }
    }
  }
}
