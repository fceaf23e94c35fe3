package io.edgewise.reuse;

/** A stored entry near a query: its id, Euclidean distance, label (-1 for non-classification) and origin. */
public record Neighbour(long id, double distance, int label, String origin) {}
