package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One k-nearest lookup: the A-LSH index's candidates for the query, ranked by their exact distance to it (read
 * from the stored features in place), the k nearest with their labels and origins.
 */
final class NeighbourSearch {
  private final StoreEnv env;
  private final LshIndex index;
  private final ReuseStoreOptions options;

  NeighbourSearch(StoreEnv env, LshIndex index, ReuseStoreOptions options) {
    this.env = env;
    this.index = index;
    this.options = options;
  }

  /** The k nearest entries of the namespace to {@code q} (whose length the caller checked). */
  Neighbours nearest(Namespace ns, float[] q, int k) {
    long[] codes = ns.lsh().codes(q);
    int target = options.candidates();
    int maxInspected = target * options.tables();
    return env.read(txn -> {
      LshIndex.Candidates candidates = index.candidates(txn, ns, codes, target, maxInspected);
      ByteBuffer ekey = Scratch.get().entryKey;
      List<Neighbour> found = new ArrayList<>();
      for (long id : candidates.ids()) {
        ByteBuffer v = env.entries.get(txn, StoreKeys.entryKey(ekey, ns.id(), id));
        if (v != null) {
          found.add(new Neighbour(id, Math.sqrt(EntryCodec.distanceSquared(v, q)), EntryCodec.label(v), null));
        }
      }
      found.sort(Comparator.comparingDouble(Neighbour::distance));
      List<Neighbour> nearest = new ArrayList<>(Math.min(k, found.size()));
      for (Neighbour n : found.subList(0, Math.min(k, found.size()))) {
        ByteBuffer v = env.entries.get(txn, StoreKeys.entryKey(ekey, ns.id(), n.id()));
        nearest.add(new Neighbour(n.id(), n.distance(), n.label(), EntryCodec.origin(v)));
      }
      return new Neighbours(nearest, candidates.ids().size(), candidates.level());
    });
  }
}
