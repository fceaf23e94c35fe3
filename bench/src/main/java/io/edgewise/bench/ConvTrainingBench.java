package io.edgewise.bench;

import io.edgewise.nativecore.NativeCore;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The three convolution passes of training as the cpu device runs them (over the Java arrays training keeps its
 * values in): forward, input gradient (GEMM + col2im) and weight gradient (im2col + GEMM), on ResNet-18's 3x3
 * shapes. Each pass has the forward's multiply-add count, so {@link KernelBenchMain} reports GFLOP/s for all three.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED"})
public class ConvTrainingBench {
  @Param({"resnet_3x3_64_56", "resnet_3x3_128_28", "resnet_3x3_256_14", "resnet_3x3_512_7"})
  public String shape;

  @Param({"1", "2"})
  public int threads;

  private float[] x;
  private float[] w;
  private float[] dy;
  private float[] out;
  private float[] dx;
  private float[] dw;
  private long[] geometry;

  @Setup(Level.Trial)
  public void setUp() {
    NativeCore.setThreads(threads);
    long[] s = ConvKernelBench.spec(shape);
    long pad = s[4] / 2;
    long oh = (s[1] + 2 * pad - s[4]) / s[5] + 1;
    long ow = (s[2] + 2 * pad - s[4]) / s[5] + 1;
    geometry = new long[] {1, s[0], s[1], s[2], s[3], oh, ow, s[4], s[4], s[5], s[5], 1, 1, pad, pad, s[6]};
    Random rnd = new Random(1);
    x = random(rnd, (int) (s[0] * s[1] * s[2]));
    w = random(rnd, (int) (s[3] * s[0] / s[6] * s[4] * s[4]));
    dy = random(rnd, (int) (s[3] * oh * ow));
    out = new float[dy.length];
    dx = new float[x.length];
    dw = new float[w.length];
  }

  private static float[] random(Random rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextFloat() - 0.5f;
    }
    return v;
  }

  @Benchmark
  public float[] forward() {
    NativeCore.conv2d(geometry, x, w, null, out);
    return out;
  }

  @Benchmark
  public float[] backwardData() {
    NativeCore.conv2dBackwardData(geometry, dy, w, dx);
    return dx;
  }

  @Benchmark
  public float[] backwardWeights() {
    NativeCore.conv2dBackwardWeights(geometry, x, dy, dw);
    return dw;
  }
}
