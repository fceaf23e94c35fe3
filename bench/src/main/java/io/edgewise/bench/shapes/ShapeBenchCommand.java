package io.edgewise.bench.shapes;

import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Main;
import io.edgewise.cli.RandomInputs;
import io.edgewise.cli.ThreadsOption;
import io.edgewise.model.ValueInfo;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.LatencyStats;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `edgewise shape-bench`: one session fed inputs of several shapes, each shape alone (blocks of runs of one shape)
 * and all of them in turn (round robin), against a session per shape that only ever sees that shape, in alternating
 * blocks so all see the same load of a shared machine. Per shape and mode: median latency, Java heap allocated by the
 * calling thread per run (ThreadMXBean) and native allocations per run. Everything measured in this process.
 */
@Command(name = "shape-bench", description = "One session fed several input shapes: each alone vs in turn.")
public final class ShapeBenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "A model.onnx file with one input.")
  Path model;

  @Option(names = "--shape", paramLabel = "NAME=DIMS", required = true,
      description = "One shape of the cycle, e.g. x=1x3x640x640; repeat it for each shape.")
  List<String> shapes;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  ThreadsOption threads = new ThreadsOption(1);

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "10",
      description = "Measured rounds; each has, per shape, a block of runs of that shape and a block of round-robin "
          + "runs (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--block", paramLabel = "N", defaultValue = "3",
      description = "Counted runs per shape and block (default: ${DEFAULT-VALUE}).")
  int block;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Figures of one shape in one mode. */
  private static final class Figures {
    final List<Double> ms = new ArrayList<>();
    long heapBytes;
    long nativeAllocations;
    int runs;

    void add(double millis, long heap, long natives) {
      ms.add(millis);
      heapBytes += heap;
      nativeAllocations += natives;
      runs++;
    }

    double heapKb() {
      return heapBytes / 1024.0 / runs;
    }

    double natives() {
      return (double) nativeAllocations / runs;
    }

    double median() {
      double[] v = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (rounds < 1 || block < 1) {
      throw Main.usage(spec, "--rounds and --block must be at least 1");
    }
    SessionOptions options = SessionOptions.defaults().withDevice(device.name()).withThreads(threads.count());
    List<Session> single = new ArrayList<>();
    try (Session s = Session.open(model, options)) {
      if (s.inputs().size() != 1) {
        throw Main.usage(spec, "shape-bench takes a model with one input; " + model + " has " + s.inputs().size());
      }
      ValueInfo input = s.inputs().get(0);
      List<Map<String, Tensor>> feeds = new ArrayList<>();
      try {
        for (String shape : shapes) {
          feeds.add(Map.of(input.name(), RandomInputs.of(input, dims(input, shape), 42)));
        }
        int k = feeds.size();
        for (Map<String, Tensor> f : feeds) {
          Session one = Session.open(model, options);
          single.add(one);
          LatencyStats.warmUp(one, f, 3, 1, 15);
          LatencyStats.warmUp(s, f, 3, 1, 15);
        }
        for (int i = 0; i < 3 * k; i++) {
          time(s, feeds.get(i % k), null);
        }
        Figures[] alone = new Figures[k];
        Figures[] turn = new Figures[k];
        Figures[] own = new Figures[k];
        for (int i = 0; i < k; i++) {
          alone[i] = new Figures();
          turn[i] = new Figures();
          own[i] = new Figures();
        }
        for (int r = 0; r < rounds; r++) {
          for (int i = 0; i < k; i++) {
            for (int b = 0; b < block; b++) {
              time(single.get(i), feeds.get(i), own[i]);
            }
          }
          for (int i = 0; i < k; i++) {
            time(s, feeds.get(i), null);  // the change of shape, not counted
            for (int b = 0; b < block; b++) {
              time(s, feeds.get(i), alone[i]);
            }
          }
          for (int b = 0; b < block; b++) {
            for (int i = 0; i < k; i++) {
              time(s, feeds.get(i), turn[i]);
            }
          }
        }
        out.printf("%s on %s, %d thread(s): %d rounds of %d runs per shape and mode (measured)%n", model,
            s.deviceName(), threads.count(), rounds, block);
        out.printf("%-18s %9s %9s %9s %10s %10s %10s %10s %10s %10s %7s %7s%n", "SHAPE", "OWN ms",
            "ALONE ms", "TURN ms", "turn/own", "turn/alone", "heap KB o", "heap KB a", "heap KB t", "native o",
            "nat a", "nat t");
        for (int i = 0; i < k; i++) {
          out.printf("%-18s %9.2f %9.2f %9.2f %10.3f %10.3f %10.1f %10.1f %10.1f %10.2f %7.2f %7.2f%n",
              shapes.get(i), own[i].median(), alone[i].median(), turn[i].median(),
              turn[i].median() / own[i].median(), turn[i].median() / alone[i].median(), own[i].heapKb(),
              alone[i].heapKb(), turn[i].heapKb(), own[i].natives(), alone[i].natives(), turn[i].natives());
        }
        out.println("(OWN: a session that only ever sees this shape; ALONE: the shared session, blocks of runs of "
            + "this shape after one uncounted run of it; TURN: the shared session fed the shapes one after the other; "
            + "medians of the counted runs; heap KB: what the calling thread allocated per run (o, a, t: own, alone, "
            + "turn); nat: native allocations per run)");
      } finally {
        single.forEach(Session::close);
        feeds.forEach(f -> f.values().forEach(Tensor::close));
      }
    }
    return 0;
  }

  private long[] dims(ValueInfo input, String shape) {
    String[] nameAndDims = shape.split("=", 2);
    if (nameAndDims.length != 2 || !nameAndDims[0].equals(input.name())) {
      throw Main.usage(spec, "--shape " + shape + ": expected " + input.name() + "=D1xD2x...");
    }
    try {
      return Arrays.stream(nameAndDims[1].split("x")).mapToLong(Long::parseLong).toArray();
    } catch (NumberFormatException e) {
      throw Main.usage(spec, "--shape " + shape + ": expected " + input.name() + "=D1xD2x...");
    }
  }

  private static void time(Session s, Map<String, Tensor> feeds, Figures into) {
    long id = Thread.currentThread().getId();
    long heap = THREADS.getThreadAllocatedBytes(id);
    long natives = NativeCore.allocationCount();
    long start = System.nanoTime();
    Map<String, Tensor> out = s.run(feeds);
    long nanos = System.nanoTime() - start;
    out.values().forEach(Tensor::close);
    if (into != null) {
      into.add(nanos / 1e6, THREADS.getThreadAllocatedBytes(id) - heap, NativeCore.allocationCount() - natives);
    }
  }
}
