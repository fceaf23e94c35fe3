package io.edgewise.reuse;

/** How feature vectors are stored: fp16 halves the store's size at ~1e-3 relative rounding of distances. */
public enum FeatureType {
  F32(4),
  F16(2);

  private final int bytes;

  FeatureType(int bytes) {
    this.bytes = bytes;
  }

  public int bytesPerValue() {
    return bytes;
  }
}
