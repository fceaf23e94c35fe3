package io.edgewise.bench.reuse;

import io.edgewise.tensor.Shape;
import io.edgewise.train.LabeledSamples;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A camera-like stream over labelled images: bursts of the same sample (an object in view for a while) under
 * small shifts, sensor noise and brightness changes, and revisits of samples seen before (the same objects
 * again, popular ones more often: weight 1 / rank). Square single-channel rows (8x8 digits) are shifted by whole
 * pixels; other rows only get noise and brightness. Labels stay known, so accuracy can be measured.
 */
public final class CorrelatedStream {
  private CorrelatedStream() {}

  /** One frame: its pixels, its true label, and which sample it shows. */
  public record Frame(float[] x, int label, int sample) {}

  /** The knobs of the stream; defaults model a steady hand-held camera. */
  public record Shape(int meanBurst, double revisit, double shiftProbability, double noiseSigma,
      double brightnessRange) {
    public static Shape defaults() {
      return new Shape(8, 0.3, 0.2, 0.02, 0.15);
    }
  }

  public static List<Frame> generate(LabeledSamples data, int frames, Shape shape, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int n = data.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int width = data.x()[0].length;
    int side = (int) Math.round(Math.sqrt(width));
    boolean square = side * side == width;
    List<Integer> seen = new ArrayList<>();
    List<Frame> out = new ArrayList<>(frames);
    int next = 0;
    while (out.size() < frames) {
      int sample;
      if (!seen.isEmpty() && rnd.nextDouble() < shape.revisit()) {
        sample = seen.get(zipfIndex(rnd, seen.size()));
      } else {
        sample = order[next++ % n];
        seen.add(sample);
      }
      int burst = Math.max(1, shape.meanBurst() / 2 + rnd.nextInt(shape.meanBurst() + 1));
      for (int f = 0; f < burst && out.size() < frames; f++) {
        out.add(new Frame(perturb(data.x()[sample], square ? side : 0, shape, rnd), data.y()[sample], sample));
      }
    }
    return out;
  }

  /** Index in [0, size) with probability proportional to 1 / (index + 1). */
  private static int zipfIndex(SplittableRandom rnd, int size) {
    double h = 0;
    for (int i = 1; i <= size; i++) {
      h += 1.0 / i;
    }
    double u = rnd.nextDouble() * h;
    for (int i = 0; i < size; i++) {
      u -= 1.0 / (i + 1);
      if (u <= 0) {
        return i;
      }
    }
    return size - 1;
  }

  private static float[] perturb(float[] src, int side, Shape shape, SplittableRandom rnd) {
    int dx = 0;
    int dy = 0;
    if (side > 0 && rnd.nextDouble() < shape.shiftProbability()) {
      dx = rnd.nextInt(3) - 1;
      dy = rnd.nextInt(3) - 1;
    }
    double gain = 1 + (rnd.nextDouble() * 2 - 1) * shape.brightnessRange();
    float[] out = new float[src.length];
    for (int i = 0; i < src.length; i++) {
      float v;
      if (side > 0) {
        int r = i / side - dy;
        int c = i % side - dx;
        v = r < 0 || r >= side || c < 0 || c >= side ? 0 : src[r * side + c];
      } else {
        v = src[i];
      }
      double noisy = v * gain + gaussian(rnd) * shape.noiseSigma();
      out[i] = (float) Math.max(0, Math.min(1, noisy));
    }
    return out;
  }

  private static double gaussian(SplittableRandom rnd) {
    return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }
}
