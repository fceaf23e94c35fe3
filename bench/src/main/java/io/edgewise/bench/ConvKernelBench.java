package io.edgewise.bench;

import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The native convolution kernels on the convolution shapes of ResNet-18 (3x3 and 1x1, every stage) and of
 * MobileNetV2 (depthwise 3x3 and pointwise): {@code layout = nchwc}, the direct register-blocked convolution over
 * the blocked layout with weights packed once (what the cpu device runs), and {@code layout = nchw}, the packed GEMM
 * over im2col. {@link KernelBenchMain} turns the times into GFLOP/s and a fraction of the FMA peak it measures in the
 * same process.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED"})
public class ConvKernelBench {
  /** name: C_in x H x W -> C_out, kernel, stride, group (0 = depthwise). */
  @Param({"resnet_3x3_64_56", "resnet_3x3_128_28", "resnet_3x3_256_14", "resnet_3x3_512_7", "resnet_1x1_s2_64_56",
      "mobilenet_dw_144_56", "mobilenet_dw_576_14", "mobilenet_pw_144_24_56", "mobilenet_pw_96_576_14"})
  public String shape;

  @Param({"1", "2"})
  public int threads;

  @Param({"nchwc", "nchw"})
  public String layout;

  private Tensor packed;

  private Tensor x;
  private Tensor w;
  private Tensor bias;
  private Tensor y;
  private long[] geometry;

  /** The shapes by name: {c, h, w, m, k, stride, group}. */
  static long[] spec(String name) {
    return switch (name) {
      case "resnet_3x3_64_56" -> new long[] {64, 56, 56, 64, 3, 1, 1};
      case "resnet_3x3_128_28" -> new long[] {128, 28, 28, 128, 3, 1, 1};
      case "resnet_3x3_256_14" -> new long[] {256, 14, 14, 256, 3, 1, 1};
      case "resnet_3x3_512_7" -> new long[] {512, 7, 7, 512, 3, 1, 1};
      case "resnet_1x1_s2_64_56" -> new long[] {64, 56, 56, 128, 1, 2, 1};
      case "mobilenet_dw_144_56" -> new long[] {144, 56, 56, 144, 3, 1, 144};
      case "mobilenet_dw_576_14" -> new long[] {576, 14, 14, 576, 3, 1, 576};
      case "mobilenet_pw_144_24_56" -> new long[] {144, 56, 56, 24, 1, 1, 1};
      case "mobilenet_pw_96_576_14" -> new long[] {96, 14, 14, 576, 1, 1, 1};
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Multiply-adds times two. */
  static double flops(String name) {
    long[] s = spec(name);
    long pad = s[4] / 2;
    long oh = (s[1] + 2 * pad - s[4]) / s[5] + 1;
    long ow = (s[2] + 2 * pad - s[4]) / s[5] + 1;
    return 2.0 * s[3] * oh * ow * (s[0] / s[6]) * s[4] * s[4];
  }

  @Setup(Level.Trial)
  public void setUp() {
    NativeCore.setThreads(threads);
    long[] s = spec(shape);
    long pad = s[4] / 2;
    long oh = (s[1] + 2 * pad - s[4]) / s[5] + 1;
    long ow = (s[2] + 2 * pad - s[4]) / s[5] + 1;
    geometry = new long[] {1, s[0], s[1], s[2], s[3], oh, ow, s[4], s[4], s[5], s[5], 1, 1, pad, pad, s[6]};
    Random rnd = new Random(1);
    w = random(rnd, Shape.of(s[3], s[0] / s[6], s[4], s[4]));
    bias = random(rnd, Shape.of(s[3]));
    if (layout.equals("nchwc")) {
      long b = NativeCore.nchwcBlock();
      x = random(rnd, Shape.of(1, (s[0] + b - 1) / b, s[1], s[2], b));
      y = Tensor.allocate(DType.FLOAT32, Shape.of(1, (s[3] + b - 1) / b, oh, ow, b));
      packed = Tensor.allocate(DType.FLOAT32, Shape.of(NativeCore.nchwcConvWeightsSize(geometry, true)));
      NativeCore.nchwcConvPackWeights(geometry, true, w.nativeAddress(), packed.nativeAddress());
    } else {
      x = random(rnd, Shape.of(1, s[0], s[1], s[2]));
      y = Tensor.allocate(DType.FLOAT32, Shape.of(1, s[3], oh, ow));
    }
  }

  private static Tensor random(Random rnd, Shape s) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextFloat() - 0.5f;
    }
    return Tensor.ofFloats(s, v);
  }

  @Benchmark
  public void convBiasRelu() {
    if (packed != null) {
      NativeCore.nchwcConv2d(geometry, true, 1, 0, 0, x.nativeAddress(), packed.nativeAddress(),
          bias.nativeAddress(), 0, y.nativeAddress());
    } else {
      NativeCore.conv2d(geometry, 1, 0, 0, x.nativeAddress(), w.nativeAddress(), bias.nativeAddress(), 0,
          y.nativeAddress());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    x.close();
    w.close();
    bias.close();
    y.close();
    if (packed != null) {
      packed.close();
    }
  }
}
