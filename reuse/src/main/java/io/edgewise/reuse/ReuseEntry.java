package io.edgewise.reuse;

/**
 * One stored computation: the feature vector at the tap point, the result, and its metadata.
 *
 * @param id unique within the store, increasing in insertion order
 * @param createdMillis when it was inserted (the store's clock)
 * @param computeNanos what computing the result from the tap point on cost; a hit saves about this much
 * @param origin who computed it: "local" or the peer it came from
 * @param lastHitMillis when it was last reused, 0 if never
 * @param hits how often it was reused
 * @param savedNanos compute time saved by its hits so far
 */
public record ReuseEntry(long id, float[] feature, StoredResult result, long createdMillis, long computeNanos,
    String origin, long lastHitMillis, long hits, long savedNanos) {}
