package io.edgewise.backend.opencl;

/** A convolution kernel and its tile parameters: a point of the tuner's search space, and what a plan runs. */
public record ConvChoice(ConvAlgorithm algorithm, TileParams tiles) {
  @Override
  public String toString() {
    return algorithm + " " + tiles;
  }
}
