package io.edgewise.bench.model;

import io.edgewise.model.ChainModels;
import io.edgewise.model.ChainModels.Op;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Load time of long chains of Identity and of Add nodes (issue 19: loading was quadratic in them): for each chain
 * length, the time to import the model from bytes, to open a session (graph passes and the device's planning) and to
 * run it once, best of a few tries after a warm-up (and a System.gc() before each), in wall-clock time and in the
 * loading thread's CPU time (which leaves out the collector's pauses and waiting for a busy machine's cores). Linear
 * loading shows as 10x the time for 10x the nodes.
 *
 * <pre>
 * java -cp ... io.edgewise.bench.model.LoadChainBench [device=ref|cpu] [tries=3] [sizes=1000,10000,100000]
 * </pre>
 */
public final class LoadChainBench {
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private LoadChainBench() {}

  public static void main(String[] args) {
    String device = args.length > 0 ? args[0] : "cpu";
    int tries = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int[] sizes = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
        : new int[] {1_000, 10_000, 100_000};
    System.out.printf("device %s, best of %d after a warm-up; times in ms (CPU: the loading thread's)%n", device,
        tries);
    System.out.printf("%-8s %8s %9s %9s %9s %9s %9s %9s%n", "CHAIN", "NODES", "MB", "IMPORT", "OPEN", "RUN", "TOTAL",
        "CPU");
    for (Op op : Op.values()) {
      for (int n : sizes) {
        byte[] bytes = ChainModels.proto(op, n).toByteArray();
        long[] best = measure(op, n, bytes, device);  // warm-up
        Arrays.fill(best, Long.MAX_VALUE);
        long cpu = Long.MAX_VALUE;
        for (int t = 0; t < tries; t++) {
          System.gc();
          long cpu0 = THREADS.getCurrentThreadCpuTime();
          long[] times = measure(op, n, bytes, device);
          cpu = Math.min(cpu, THREADS.getCurrentThreadCpuTime() - cpu0);
          if (times[3] < best[3]) {
            best = times;
          }
        }
        System.out.printf("%-8s %8d %9.2f %9.1f %9.1f %9.1f %9.1f %9.1f%n", op, n, bytes.length / 1e6, best[0] / 1e6,
            best[1] / 1e6, best[2] / 1e6, best[3] / 1e6, cpu / 1e6);
      }
    }
  }

  /** Nanoseconds to import, open and run once, and their total; fails when the result is wrong. */
  private static long[] measure(Op op, int n, byte[] bytes, String device) {
    float[] x = {1, -2, 3.5f, 0};
    long t0 = System.nanoTime();
    Model model = OnnxImporter.load(bytes, null);
    long t1 = System.nanoTime();
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice(device));
        Tensor input = Tensor.ofFloats(ChainModels.SHAPE, x.clone())) {
      long t2 = System.nanoTime();
      Map<String, Tensor> out = s.run(Map.of(ChainModels.INPUT, input));
      long t3 = System.nanoTime();
      try (Tensor y = out.get(ChainModels.OUTPUT)) {
        if (!Arrays.equals(y.toFloatArray(), ChainModels.expected(op, n, x))) {
          throw new AssertionError(op + " chain of " + n + " computed " + Arrays.toString(y.toFloatArray()));
        }
      }
      return new long[] {t1 - t0, t2 - t1, t3 - t2, t3 - t0};
    }
  }
}
