package io.edgewise.reuse;

/** A lookup: which model and tap point, and the feature vector computed there. */
public record ReuseQuery(String modelHash, String tap, float[] feature) {}
