package io.edgewise.reuse;

import java.nio.file.Path;

/**
 * The child process of {@link CrashRecoveryTest}: inserts entries as fast as it can and prints "C i id" after
 * each insert returned (its transaction committed), until it is killed.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) {
    try (ReuseStore store = ReuseStore.open(Path.of(args[0]), ReuseStoreOptions.defaults())) {
      Namespace ns = store.namespace("crash-model", "input", CrashRecoveryTest.feature(0));
      for (int i = 0; ; i++) {
        long id = store.insert(ns, CrashRecoveryTest.feature(i), StoredResult.label(i % 10, 0.5f), 1000 + i,
            "local");
        System.out.println("C " + i + " " + id);
        System.out.flush();
      }
    }
  }
}
