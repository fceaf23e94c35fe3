package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * The LMDB environment, its four tables, and the lock that lets the map grow: every transaction holds the lock's
 * read side and resizing takes the write side, since LMDB resizes only with no transaction of the process open.
 * Closing takes the write side too, so no transaction outlives the environment.
 */
final class StoreEnv {
  /** A unit of work inside one transaction. */
  interface TxnOp<T> {
    T apply(Txn<ByteBuffer> txn);
  }

  final Path dir;
  final Dbi<ByteBuffer> entries;
  final Dbi<ByteBuffer> index;
  final Dbi<ByteBuffer> stats;
  final Dbi<ByteBuffer> meta;
  final int pageSize;
  private final Env<ByteBuffer> env;
  private final StoreLifecycle lifecycle;
  private final ReentrantReadWriteLock envLock = new ReentrantReadWriteLock();

  private StoreEnv(Path dir, Env<ByteBuffer> env, StoreLifecycle lifecycle) {
    this.dir = dir;
    this.env = env;
    this.lifecycle = lifecycle;
    this.entries = env.openDbi("entries", DbiFlags.MDB_CREATE);
    this.index = env.openDbi("index", DbiFlags.MDB_CREATE);
    this.stats = env.openDbi("stats", DbiFlags.MDB_CREATE);
    this.meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
    this.pageSize = env.stat().pageSize;
  }

  /** Opens (creating if needed) the environment in a directory and its tables. */
  static StoreEnv open(Path dir, ReuseStoreOptions options, StoreLifecycle lifecycle) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "reuse store: cannot create directory " + dir + ": " + e, e);
    }
    if (!Files.isWritable(dir)) {
      throw new EdgewiseException(ErrorCode.IO, "reuse store: directory " + dir + " is not writable");
    }
    Env<ByteBuffer> env = null;
    try {
      EnvFlags[] flags = options.syncOnCommit() ? new EnvFlags[] {EnvFlags.MDB_NOTLS}
          : new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
      env = Env.create().setMapSize(options.initialMapBytes()).setMaxDbs(8).setMaxReaders(256)
          .open(dir.toFile(), flags);
      return new StoreEnv(dir, env, lifecycle);
    } catch (LmdbException e) {
      if (env != null) {
        env.close();
      }
      throw new EdgewiseException(ErrorCode.IO, "reuse store: cannot open LMDB environment in " + dir + ": " + e, e);
    }
  }

  /** Runs {@code op} in a read transaction (MVCC: it never waits for the writer). */
  <T> T read(TxnOp<T> op) {
    envLock.readLock().lock();
    try {
      lifecycle.checkEnvironmentOpen("a read transaction");
      try (Txn<ByteBuffer> txn = env.txnRead()) {
        return op.apply(txn);
      }
    } finally {
      envLock.readLock().unlock();
    }
  }

  /**
   * Runs {@code op} in a write transaction and commits it; LMDB exceptions (MDB_MAP_FULL among them) pass through
   * with the transaction aborted. The caller serializes writers.
   */
  <T> T write(TxnOp<T> op) {
    envLock.readLock().lock();
    try {
      lifecycle.checkEnvironmentOpen("a write transaction");
      try (Txn<ByteBuffer> txn = env.txnWrite()) {
        T result = op.apply(txn);
        txn.commit();
        return result;
      }
    } finally {
      envLock.readLock().unlock();
    }
  }

  /** Sets the map size, waiting until no transaction of this process is open. */
  void resize(long mapBytes) {
    envLock.writeLock().lock();
    try {
      env.setMapSize(mapBytes);
    } finally {
      envLock.writeLock().unlock();
    }
  }

  /** The map's size and high-water mark. */
  EnvInfo info() {
    return env.info();
  }

  /** Forces the map to disk (needed when commits do not sync). */
  void sync() {
    envLock.readLock().lock();
    try {
      env.sync(true);
    } finally {
      envLock.readLock().unlock();
    }
  }

  /** Empties every table. */
  void dropAll(Txn<ByteBuffer> txn) {
    entries.drop(txn);
    index.drop(txn);
    stats.drop(txn);
    meta.drop(txn);
  }

  /** Closes the environment once every open transaction has finished. */
  void close() {
    envLock.writeLock().lock();
    try {
      env.close();
    } finally {
      envLock.writeLock().unlock();
    }
  }
}
