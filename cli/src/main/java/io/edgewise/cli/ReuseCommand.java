package io.edgewise.cli;

import io.edgewise.reuse.ReuseStats;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `edgewise reuse stats|clear|bench`: inspect, empty and benchmark a feature-reuse store. */
@Command(name = "reuse", description = "The feature-reuse store (LMDB): statistics, clearing, the reuse benchmark.",
    subcommands = {ReuseCommand.Stats.class, ReuseCommand.Clear.class})
final class ReuseCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    return Main.missingSubcommand(spec);
  }

  static void requireStore(CommandLine.Model.CommandSpec spec, Path store) {
    if (!Files.isRegularFile(store.resolve("data.mdb"))) {
      throw Main.usage(spec, "--store " + store + " holds no reuse store (no data.mdb)");
    }
  }

  @Command(name = "stats", description = "Entries, bytes, hits and namespaces of a store (read from the store).")
  static final class Stats implements Callable<Integer> {
    @Option(names = "--store", required = true, paramLabel = "DIR", description = "The store's directory.")
    Path store;

    @Mixin
    JsonOption json = new JsonOption();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requireStore(spec, store);
      PrintWriter out = spec.commandLine().getOut();
      ReuseStats st;
      try (ReuseStore s = ReuseStore.open(store, ReuseStoreOptions.defaults())) {
        st = s.stats();
      }
      if (json.enabled()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", store.toString());
        m.put("entries", st.entries());
        m.put("entry_bytes", st.entryBytes());
        m.put("on_disk_bytes", st.onDiskBytes());
        m.put("map_bytes", st.mapBytes());
        m.put("total_hits", st.totalHits());
        m.put("saved_ms", st.savedNanos() / 1e6);
        m.put("namespaces", st.namespaces());
        out.println(Json.write(m));
        return 0;
      }
      out.printf("store %s: %d entries, %d bytes of entries, %d bytes on disk (map %d bytes)%n", store, st.entries(),
          st.entryBytes(), st.onDiskBytes(), st.mapBytes());
      out.printf("hits %d, compute time saved by them %.1f ms (as recorded in the store)%n", st.totalHits(),
          st.savedNanos() / 1e6);
      for (ReuseStats.NamespaceStats ns : st.namespaces()) {
        out.printf("  namespace %s: model %s, tap '%s', dim %d %s, %d entries%n", ns.id(), ns.modelHash(), ns.tap(),
            ns.dim(), ns.featureType(), ns.entries());
      }
      return 0;
    }
  }

  @Command(name = "clear", description = "Remove every entry, namespace and calibration from a store.")
  static final class Clear implements Callable<Integer> {
    @Option(names = "--store", required = true, paramLabel = "DIR", description = "The store's directory.")
    Path store;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requireStore(spec, store);
      long before;
      try (ReuseStore s = ReuseStore.open(store, ReuseStoreOptions.defaults())) {
        before = s.stats().entries();
        s.clear();
      }
      spec.commandLine().getOut().printf("store %s: cleared %d entries%n", store, before);
      return 0;
    }
  }
}
