package io.edgewise.bench.split;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.CutContexts;
import io.edgewise.adapt.FixedPartition;
import io.edgewise.adapt.MuLinUcb;
import io.edgewise.adapt.NeurosurgeonPolicy;
import io.edgewise.adapt.PartitionPolicy;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.split.CutPoint;
import io.edgewise.runtime.split.CutPointFinder;
import io.edgewise.serve.peer.DirectoryModelResolver;
import io.edgewise.serve.peer.EmulatedLink;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerServer;
import io.edgewise.serve.peer.PeerServerConfig;
import io.edgewise.serve.peer.SplitInference;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The split-execution experiment behind `edgewise split-bench`: a device and a peer in this process on loopback,
 * the peer behind an emulated link whose bandwidth and latency change phase by phase, and a peer whose load
 * changes; every policy plays the same schedule of requests. Latencies are measured end to end (device compute,
 * the emulated link, peer compute); the link's conditions and the peer's co-tenant load are modeled.
 */
final class SplitExperiment implements AutoCloseable {
  /** One period of conditions: link bandwidth and one-way latency, and the peer's load factor (co-tenants + 1). */
  record Phase(String name, double mbps, double latencyMs, double peerLoad) {}

  /** Every request of one policy: the cut chosen and the measured latency. */
  record Trace(String policy, int[] arms, double[] totalMs, double[] regretMs, int errors) {
    double mean(double[] v, int from, int to) {
      double s = 0;
      for (int i = from; i < to; i++) {
        s += v[i];
      }
      return s / Math.max(1, to - from);
    }
  }

  /** The calibration sweep: median measured latency of every cut under every phase. */
  record Calibration(double[][] totalMs, double[][] localMs, double[][] peerComputeMs, long[] bytes) {
    int bestArm(int phase) {
      int best = 0;
      for (int a = 1; a < totalMs[phase].length; a++) {
        if (totalMs[phase][a] < totalMs[phase][best]) {
          best = a;
        }
      }
      return best;
    }
  }

  private final List<Phase> phases;
  private final int phaseSteps;
  private final EmulatedLink.Conditions link;
  private volatile double peerLoad = 1;
  private final PeerServer server;
  private final PeerClient client;
  private final SplitInference split;
  private final List<CutPoint> cuts;
  private final Map<String, Tensor> inputs;
  private final TensorEncoding encoding;
  private final Consumer<String> log;

  SplitExperiment(Path modelDir, Map<String, Tensor> inputs, SessionOptions device, SessionOptions peer,
      List<Phase> phases, int phaseSteps, int maxCuts, TensorEncoding encoding, Consumer<String> log) {
    this.phases = phases;
    this.phaseSteps = phaseSteps;
    this.inputs = inputs;
    this.encoding = encoding;
    this.log = log;
    Path file = modelDir.resolve("model.onnx");
    this.link = new EmulatedLink.Conditions(phases.get(0).mbps(), phases.get(0).latencyMs());
    String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    PeerServerConfig cfg = PeerServerConfig.of(0, new DirectoryModelResolver(List.of(file)), token)
        .withSession(peer).withPipelineHook(p -> p.addFirst("emulated-link", new EmulatedLink(link))).withLoadSlowdown(() -> peerLoad);
    this.server = new PeerServer(cfg);
    int port = server.start();
    PeerClient c = null;
    SplitInference s = null;
    try {
      c = PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, token).withPoolSize(1));
      s = new SplitInference(file, device, c, 1);
    } catch (RuntimeException e) {
      if (c != null) {
        c.close();
      }
      server.close();
      throw e;
    }
    this.client = c;
    this.split = s;
    this.cuts = CutPointFinder.thin(split.cuts(), maxCuts);
  }

  List<CutPoint> cuts() {
    return cuts;
  }

  int phaseOf(int step) {
    return (step / phaseSteps) % phases.size();
  }

  private void apply(Phase p) {
    link.set(p.mbps(), p.latencyMs());
    peerLoad = p.peerLoad();
  }

  /** One request at a cut; returns {total, local, remote, peer compute} in ms (measured), or null on failure. */
  private double[] runOnce(int arm) {
    try (SplitInference.SplitRun r = split.run(inputs, cuts.get(arm), encoding, Duration.ofSeconds(20))) {
      return new double[] {r.totalNanos() / 1e6, r.localNanos() / 1e6, r.remoteNanos() / 1e6,
          r.peerComputeMicros() / 1e3, r.bytesSent()};
    } catch (EdgewiseException e) {
      log.accept("request at " + cuts.get(arm).describe() + " failed: " + e.getMessage());
      return null;
    }
  }

  /** Compiles every prefix and suffix (first runs are slow), then measures each cut under each phase. */
  Calibration calibrate(int runs) {
    apply(new Phase("warm-up", 10_000, 0, 1));
    for (int a = 0; a < cuts.size(); a++) {
      runOnce(a);
    }
    int n = cuts.size();
    double[][] total = new double[phases.size()][n];
    double[][] local = new double[phases.size()][n];
    double[][] peer = new double[phases.size()][n];
    long[] bytes = new long[n];
    for (int ph = 0; ph < phases.size(); ph++) {
      apply(phases.get(ph));
      for (int a = 0; a < n; a++) {
        double[][] samples = new double[runs][];
        for (int k = 0; k < runs; k++) {
          samples[k] = runOnce(a);
          if (samples[k] == null) {
            samples[k] = new double[] {Double.POSITIVE_INFINITY, 0, 0, 0, 0};
          }
        }
        total[ph][a] = median(samples, 0);
        local[ph][a] = median(samples, 1);
        peer[ph][a] = median(samples, 3);
        bytes[a] = (long) samples[0][4];
      }
    }
    return new Calibration(total, local, peer, bytes);
  }

  private static double median(double[][] samples, int column) {
    double[] v = Arrays.stream(samples).mapToDouble(s -> s[column]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /**
   * Neurosurgeon's one-time profile under the first phase's conditions: per-cut device and peer times from the
   * calibration, the link's bandwidth and round trip measured with PINGs (one padded with 256 KiB).
   */
  NeurosurgeonPolicy neurosurgeon(Calibration cal) {
    apply(phases.get(0));
    long[] empty = new long[5];
    long[] padded = new long[5];
    for (int i = 0; i < 5; i++) {
      empty[i] = client.ping(0);
      padded[i] = client.ping(256 << 10);
    }
    Arrays.sort(empty);
    Arrays.sort(padded);
    double rttMs = empty[2] / 1e6;
    double bytesPerMs = (256 << 10) / Math.max(1e-3, (padded[2] - empty[2]) / 1e6);
    log.accept(String.format("neurosurgeon profile (phase '%s'): round trip %.2f ms, bandwidth %.1f Mbit/s "
        + "(measured by PING over the emulated link)", phases.get(0).name(), rttMs, bytesPerMs * 8 * 1000 / 1e6));
    return new NeurosurgeonPolicy(cal.localMs()[0], cal.peerComputeMs()[0], cal.bytes(), bytesPerMs, rttMs);
  }

  /** muLinUCB with ANS's contexts; the device's own front-end delays come from its profile of the first phase. */
  MuLinUcb muLinUcb(Calibration cal, double alpha, double gamma) {
    double[][] x = CutContexts.of(cuts);
    return new MuLinUcb(x, cal.localMs()[0].clone(), MuLinUcb.Params.paper(alpha).withGamma(gamma));
  }

  List<PartitionPolicy> baselines() {
    return List.of(FixedPartition.allLocal(cuts.size()), FixedPartition.allRemote());
  }

  /**
   * Plays steps requests per policy under the phase schedule, the policies taking turns request by request so that
   * drifts of this machine's load hit them alike; regret against the calibrated oracle of each phase.
   */
  List<Trace> play(List<PartitionPolicy> policies, int steps, Calibration cal) {
    int n = policies.size();
    int[][] arms = new int[n][steps];
    double[][] total = new double[n][steps];
    double[][] regret = new double[n][steps];
    int[] errors = new int[n];
    for (int t = 0; t < steps; t++) {
      int ph = phaseOf(t);
      apply(phases.get(ph));
      for (int i = 0; i < n; i++) {
        PartitionPolicy policy = policies.get(i);
        int arm = policy.choose(t);
        double[] r = runOnce(arm);
        if (r == null) {
          errors[i]++;
          r = new double[] {20_000, 0, 20_000, 0, 0};
        }
        arms[i][t] = arm;
        total[i][t] = r[0];
        regret[i][t] = r[0] - cal.totalMs()[ph][cal.bestArm(ph)];
        policy.observe(arm, r[1], r[2]);
      }
    }
    List<Trace> traces = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      traces.add(new Trace(policies.get(i).name(), arms[i], total[i], regret[i], errors[i]));
    }
    return traces;
  }

  @Override
  public void close() {
    split.close();
    client.close();
    server.close();
  }

  static List<Phase> defaultPhases() {
    List<Phase> p = new ArrayList<>();
    p.add(new Phase("fast link, idle peer", 400, 1, 1));
    p.add(new Phase("slow link", 15, 8, 1));
    p.add(new Phase("fast link, busy peer", 400, 1, 6));
    p.add(new Phase("medium link", 80, 3, 1));
    return p;
  }
}
