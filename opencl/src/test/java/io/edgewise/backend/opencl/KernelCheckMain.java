package io.edgewise.backend.opencl;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs every OpenCL kernel on small shapes and checks the results against the reference, in a process of its own:
 * the Oclgrind check runs it on the Oclgrind simulator (OCL_ICD_VENDORS), the two-device check under
 * POCL_DEVICES="basic pthread". Prints one line per check; exits 1 on any mismatch.
 *
 * <p>Modes: {@code kernels} (every kernel on opencl:0: the convolutions, and a graph of the other ops);
 * {@code devices MODEL_DIR} (the model on every OpenCL device at once, one thread each); {@code models
 * FILE.onnx[@1x3x64x64] ...} (each real model whole in a session on opencl:0, its first input at that shape,
 * against a session on ref, with the launch guard on; {@code scripts/opencl-oclgrind-models.sh}). With
 * {@code -Dedgewise.oclgrind.quick=true} (the script's {@code --quick}: Oclgrind runs only the first and last
 * work-group of every launch) the outputs are incomplete by design, so they are not compared: what counts then is
 * what Oclgrind and the launch guard report.
 */
public final class KernelCheckMain {
  private KernelCheckMain() {}

  public static void main(String[] args) throws Exception {
    boolean ok = switch (args[0]) {
      case "kernels" -> kernels();
      case "models" -> models(java.util.Arrays.copyOfRange(args, 1, args.length));
      case "builds" -> builds(Integer.parseInt(args[1]));
      default -> devices(Path.of(args[1]));
    };
    System.out.println(ok ? "ALL OK" : "MISMATCH");
    System.exit(ok ? 0 : 1);
  }

  /**
   * {@code count} programs of distinct source built on opencl:0 while two threads spin in compiled loops and a
   * third collects garbage, so that safepoints (SIGSEGV on HotSpot's polling page) land during the builds.
   */
  private static boolean builds(int count) {
    System.out.println("libjsig loaded: " + SignalChaining.loaded());
    for (int t = 0; t < 3; t++) {
      boolean gc = t == 0;
      Thread busy = new Thread(() -> {
        long sum = 0;
        while (true) {
          if (gc) {
            System.gc();
          }
          for (int j = 0; j < 1_000_000; j++) {
            sum += j * 31L;
          }
          if (sum == 42) {
            System.out.println(sum);
          }
        }
      });
      busy.setDaemon(true);
      busy.start();
    }
    int failed = 0;
    try (ClContext ctx = ClContext.create(ClPlatforms.device(0))) {
      for (int i = 0; i < count; i++) {
        String source = "__kernel void k(__global float* x) { x[get_global_id(0)] += " + i + ".0f + "
            + System.nanoTime() + ".0f; }";
        try (ClProgram p = ClProgram.fromSource(ctx, source, "-DBUILD=" + i)) {
          // built: nothing else to check
        } catch (RuntimeException e) {
          failed++;
          System.out.println("build " + i + " failed: " + e.getMessage().lines().skip(1).findFirst().orElse(""));
        }
      }
    }
    System.out.println("builds failed: " + failed + " of " + count);
    return failed == 0;
  }

  private static boolean kernels() {
    boolean ok = true;
    ClDevice d = ClPlatforms.device(0);
    System.out.println("device: " + d.describe());
    try (ClContext ctx = ClContext.create(d)) {
      ClPrograms programs = new ClPrograms(ctx, ClProgramCache.defaultCache());
      ok &= conv(programs, ConvProblem.same(1, 3, 5, 9, 5, 3, 1, 1), ConvAlgorithm.DIRECT, new TileParams(2, 2, 4,
          false, 1));
      ok &= conv(programs, ConvProblem.same(1, 3, 5, 9, 5, 3, 1, 1), ConvAlgorithm.DIRECT, new TileParams(2, 2, 4,
          true, 2));
      ok &= conv(programs, ConvProblem.same(1, 3, 5, 11, 5, 3, 2, 1), ConvAlgorithm.DIRECT_VEC, new TileParams(2, 1,
          4, false, 1));
      ok &= conv(programs, ConvProblem.same(1, 3, 5, 11, 5, 3, 1, 1), ConvAlgorithm.DIRECT_VEC, new TileParams(2, 2,
          4, false, 1));
      ok &= conv(programs, ConvProblem.same(1, 5, 3, 5, 3, 1, 1, 1), ConvAlgorithm.GEMM, new TileParams(2, 2, 4,
          true, 3));
      ok &= conv(programs, ConvProblem.same(1, 5, 3, 5, 3, 1, 1, 1), ConvAlgorithm.GEMM, new TileParams(2, 2, 4,
          false, 1));
      ok &= conv(programs, ConvProblem.same(1, 4, 5, 7, 4, 3, 2, 4), ConvAlgorithm.DEPTHWISE, new TileParams(1, 2, 4,
          false, 1));
      ok &= gemmDot(programs, 2, 3, 37);
    }
    try (OpenClBackend backend = new OpenClBackend(0)) {
      ok &= model(backend, opsGraph(), randomInputs(opsGraph()), "ops graph");
    }
    return ok;
  }

  private static boolean models(String[] specs) {
    ClFootprint.setEnabled(true);
    boolean quick = Boolean.getBoolean("edgewise.oclgrind.quick");
    System.out.println("device: " + ClPlatforms.device(0).describe());
    boolean ok = true;
    for (String spec : specs) {
      long start = System.nanoTime();
      String[] parts = spec.split("@");
      Path file = Path.of(parts[0]);
      try (io.edgewise.runtime.Session dev = io.edgewise.runtime.Session.open(file,
              io.edgewise.runtime.SessionOptions.defaults().withDevice("opencl"));
          io.edgewise.runtime.Session ref = io.edgewise.runtime.Session.open(file,
              io.edgewise.runtime.SessionOptions.defaults().withDevice("ref"))) {
        ValueInfo in = ref.inputs().get(0);
        long[] dims = parts.length > 1 ? java.util.Arrays.stream(parts[1].split("x")).mapToLong(Long::parseLong)
            .toArray() : in.dims().stream().mapToLong(d -> Math.max(1, d.value())).toArray();
        Shape shape = Shape.of(dims);
        float[] v = new float[(int) shape.numElements()];
        Random r = new Random(11);
        for (int i = 0; i < v.length; i++) {
          v[i] = r.nextFloat();
        }
        String what = file.getFileName() + " " + shape;
        try (Tensor x = Tensor.ofFloats(shape, v)) {
          Map<String, Tensor> got = dev.run(Map.of(in.name(), x));
          Map<String, Tensor> want = ref.run(Map.of(in.name(), x));
          // deep stacks of hard-swish and sigmoid: summation order moves the last bits further than 1e-4
          boolean same = quick ? closeAll(got, want) : sameOutputs(got, want, 1e-3, what);
          long deviceNodes = dev.placement().stream().filter(p -> String.valueOf(p.device()).startsWith("opencl"))
              .count();
          System.out.printf("%s %s: %d nodes on the device, %.0f s%s%n", same ? "ok" : "FAIL", what, deviceNodes,
              (System.nanoTime() - start) / 1e9, quick ? " (quick: first and last work-group of every launch; "
                  + "values not compared)" : "");
          ok &= same;
        }
      } catch (RuntimeException e) {
        System.out.println("FAIL " + spec + ": " + e);
        ok = false;
      }
    }
    return ok;
  }

  private static boolean devices(Path modelDir) throws Exception {
    List<ClDevice> all = ClPlatforms.devices();
    System.out.println("devices: " + all.size());
    ExecutorService pool = Executors.newFixedThreadPool(all.size());
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (ClDevice d : all) {
        results.add(pool.submit(() -> {
          try (OpenClBackend backend = new OpenClBackend(d.index())) {
            System.out.println("opencl:" + d.index() + " = " + d.name());
            Model m = OnnxImporter.load(modelDir.resolve("model.onnx"));
            boolean ok = true;
            for (int run = 0; run < 3; run++) {
              ok &= model(backend, m, Map.of(m.graph().inputs().get(0).name(),
                  TensorProtos.readFile(modelDir.resolve("test_data_set_" + run + "/input_0.pb"))),
                  "opencl:" + d.index() + " run " + run);
              m = OnnxImporter.load(modelDir.resolve("model.onnx"));
            }
            return ok;
          }
        }));
      }
      boolean ok = all.size() >= 2;
      for (Future<Boolean> f : results) {
        ok &= f.get();
      }
      return ok;
    } finally {
      pool.shutdown();
    }
  }

  private static boolean conv(ClPrograms programs, ConvProblem p, ConvAlgorithm alg, TileParams t) {
    Random r = new Random(3);
    float[] x = random(r, (int) p.inputElements());
    float[] w = random(r, (int) p.weightElements());
    float[] b = random(r, p.k());
    float[] res = random(r, (int) p.outputElements());
    float[] expected = NaiveConv.run(p, x, w, b, res, true);
    ClContext ctx = programs.context();
    try (ClConvolution conv = ClConvolution.create(programs, p, alg, t, w, b, false);
         ClBuffer bx = upload(ctx, x); ClBuffer bres = upload(ctx, res);
         ClBuffer by = ClBuffer.allocate(ctx, 4 * p.outputElements())) {
      conv.enqueue(bx, bres, by, 1, 0, 0, false);
      ByteBuffer out = ByteBuffer.allocateDirect((int) by.bytes()).order(ByteOrder.nativeOrder());
      by.read(out);
      for (int i = 0; i < expected.length; i++) {
        if (Math.abs(out.getFloat(4 * i) - expected[i]) > 1e-4 * (1 + Math.abs(expected[i]))) {
          System.out.println("FAIL " + alg + " " + p + " " + t + " at " + i);
          return false;
        }
      }
    }
    System.out.println("ok " + alg + " " + t + " " + p);
    return true;
  }

  /** gemm.cl's gemm_dot (the CPU devices' fully connected layer): Y = A B^T + bias, K not a multiple of 16. */
  private static boolean gemmDot(ClPrograms programs, int m, int n, int k) {
    Random r = new Random(4);
    float[] a = random(r, m * k);
    float[] b = random(r, n * k);
    float[] bias = random(r, n);
    ClContext ctx = programs.context();
    try (ClBuffer ba = upload(ctx, a); ClBuffer bb = upload(ctx, b); ClBuffer bc = upload(ctx, bias);
         ClBuffer by = ClBuffer.allocate(ctx, 4L * m * n)) {
      ctx.launch(programs.kernel("gemm.cl", "gemm_dot", Map.of()), new long[] {n, m}, null, false, ba, bb, bc, by, m,
          n, k, 1, 1f, 1f);
      ByteBuffer out = ByteBuffer.allocateDirect(4 * m * n).order(ByteOrder.nativeOrder());
      by.read(out);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = bias[j];
          for (int q = 0; q < k; q++) {
            s += (double) a[i * k + q] * b[j * k + q];
          }
          if (Math.abs(out.getFloat(4 * (i * n + j)) - s) > 1e-4 * (1 + Math.abs(s))) {
            System.out.println("FAIL gemm_dot at " + i + "," + j);
            return false;
          }
        }
      }
    }
    System.out.println("ok gemm_dot " + m + "x" + n + "x" + k);
    return true;
  }

  /** The model on the backend and on the reference: every output within 1e-4 (relative to its largest value). */
  static boolean model(OpenClBackend backend, Model m, Map<String, Tensor> inputs, String what) {
    Model ref = copyOf(m);
    try (Executable a = backend.compile(m, BackendOptions.defaults());
         Executable b = new ReferenceBackend().compile(ref, BackendOptions.defaults())) {
      boolean ok = sameOutputs(a.run(inputs), b.run(inputs), 1e-4, what);
      System.out.println((ok ? "ok " : "FAIL ") + what);
      return ok;
    } finally {
      m.close();
      ref.close();
    }
  }

  /** Every output within {@code rel} of its largest value (at least 1); closes both maps' tensors. */
  private static boolean sameOutputs(Map<String, Tensor> got, Map<String, Tensor> want, double rel, String what) {
    boolean ok = true;
    for (String name : want.keySet()) {
      float[] g = got.get(name).toFloatArray();
      float[] w = want.get(name).toFloatArray();
      double max = 0;
      for (float v : w) {
        max = Math.max(max, Math.abs(v));
      }
      for (int i = 0; i < w.length; i++) {
        if (!(Math.abs(g[i] - w[i]) <= rel * Math.max(1, max))) {
          System.out.println("FAIL " + what + " output " + name + "[" + i + "]: " + g[i] + " vs " + w[i]);
          ok = false;
          break;
        }
      }
    }
    got.values().forEach(Tensor::close);
    want.values().forEach(Tensor::close);
    return ok;
  }

  /** Quick mode's outputs: incomplete by design, only released. */
  private static boolean closeAll(Map<String, Tensor> got, Map<String, Tensor> want) {
    got.values().forEach(Tensor::close);
    want.values().forEach(Tensor::close);
    return true;
  }

  private static Model copyOf(Model m) {
    // the executables keep borrowing their model's initializers: give the reference its own graph
    return m.source() != null ? OnnxImporter.load(m.source()) : opsGraph();
  }

  /**
   * AveragePool, Add (broadcast), Sigmoid, Concat, Transpose (NCHW to NHWC), GlobalAveragePool, MaxPool, Mul,
   * Flatten, Gemm (transB).
   */
  static Model opsGraph() {
    Graph g = new Graph("ops");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 4, 6, 6)));
    Random r = new Random(5);
    g.initializers().put("bias", Tensor.ofFloats(Shape.of(1, 4, 1, 1), random(r, 4)));
    g.nodes().add(new Node("avg", "AveragePool", "", List.of("x"), List.of("a"), Map.of(
        "kernel_shape", Attribute.ofInts("kernel_shape", 3, 3), "pads", Attribute.ofInts("pads", 1, 1, 1, 1))));
    g.nodes().add(new Node("add", "Add", List.of("a", "bias"), List.of("b")));
    g.nodes().add(new Node("sig", "Sigmoid", List.of("b"), List.of("c")));
    g.nodes().add(new Node("cat", "Concat", "", List.of("c", "x"), List.of("d"), Map.of("axis",
        Attribute.ofInt("axis", 1))));
    g.nodes().add(new Node("nhwc", "Transpose", "", List.of("d"), List.of("e"), Map.of("perm",
        Attribute.ofInts("perm", 0, 2, 3, 1))));
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("d"), List.of("f")));
    g.nodes().add(new Node("max", "MaxPool", "", List.of("d"), List.of("g0"), Map.of("kernel_shape",
        Attribute.ofInts("kernel_shape", 2, 2), "strides", Attribute.ofInts("strides", 2, 2))));
    g.nodes().add(new Node("sq", "Mul", List.of("g0", "g0"), List.of("h")));
    g.initializers().put("fcw", Tensor.ofFloats(Shape.of(3, 8), random(r, 24)));
    g.initializers().put("fcb", Tensor.ofFloats(Shape.of(3), random(r, 3)));
    g.nodes().add(new Node("flat", "Flatten", List.of("f"), List.of("f2")));
    g.nodes().add(new Node("fc", "Gemm", "", List.of("f2", "fcw", "fcb"), List.of("fc"), Map.of("transB",
        Attribute.ofInt("transB", 1))));
    for (String out : List.of("e", "f", "h", "fc")) {
      g.outputs().add(ValueInfo.tensor(out, DType.FLOAT32));
    }
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  static Map<String, Tensor> randomInputs(Model m) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("x", Tensor.ofFloats(Shape.of(1, 4, 6, 6), random(new Random(9), 144)));
    m.close();
    return in;
  }

  static ClBuffer upload(ClContext ctx, float[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(v);
    ClBuffer buf = ClBuffer.allocate(ctx, 4L * v.length);
    buf.write(b);
    return buf;
  }

  static float[] random(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
