package io.edgewise.reuse;

/**
 * A result some tier decided to reuse.
 *
 * @param tier the tier that answered ("local", or a peer's name)
 * @param origin who originally computed the entry (an entry a peer shared keeps that peer as its origin)
 * @param entryId the entry's id in the answering tier's store
 * @param distance Euclidean distance from the query to the nearest neighbour
 * @param homogeneity the H-kNN vote share of the reused label (1 for tight-distance reuse)
 * @param voters how many neighbours within the radius voted
 * @param computeNanos what computing the entry cost: about what this hit saves
 */
public record ReuseHit(StoredResult result, String tier, String origin, long entryId, double distance,
    double homogeneity, int voters, long computeNanos) {}
