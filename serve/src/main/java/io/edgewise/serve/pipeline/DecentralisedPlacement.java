package io.edgewise.serve.pipeline;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LatencyStats;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The device's own rule for where each stage runs (after Ogden's decentralised pipeline scheduling: every device
 * decides from what it measures, no central planner). Per stage it keeps the measured cost per input element here
 * and on the peer and the ratio of output to input bytes; for the link, the round trip (fed by pings) and the
 * bandwidth (from the stage transfers); for the peer, the expected wait from its load reports, less the time since
 * the report (the peer works its queue off meanwhile). A call goes where its
 * predicted time is lower:
 *
 * <pre>
 *   device: localMsPerElement * elements
 *   peer:   rtt + (inBytes + outPerInByte * inBytes) / bandwidth + peerMsPerElement * elements + peerWait
 * </pre>
 *
 * A side never measured for a stage is tried first (device, then peer). A call goes to the side not chosen (a
 * re-probe) when that side is predicted at most {@code reprobeLimit} times slower and either it is the stage's
 * {@code reprobeEvery}-th call or the predicted extra cost of the re-probe is within {@code reprobeShare} of the time
 * the stage has been predicted to take on its chosen side since its last re-probe: a near tie is measured again
 * within a call or two (one old measurement of the other side must not decide for ever), a clear loser rarely, a
 * hopeless one never. So estimates follow a device, link or peer that changed, for at most about that share of the
 * stage's time. A failed peer run keeps the
 * stage on the device for {@code peerBackoffMs}. Estimates are moving averages: the policy has no constant fitted to
 * a workload. One job at a time calls it (the runner's contract); load and ping reports may come from another thread.
 */
public final class DecentralisedPlacement implements StagePolicy {
  /**
   * @param emaWeight weight of the newest measurement in every moving average, (0, 1]
   * @param reprobeEvery every how many calls of a stage the side not chosen is tried (0: never)
   * @param reprobeLimit the most times slower (predicted) a side may be and still be re-probed
   * @param peerBackoffMs how long a failed peer keeps every stage on the device
   * @param reprobeShare the most predicted extra cost of a re-probe, as a share of the stage's predicted time on its
   *     chosen side since its last re-probe, in [0, 1] (0: re-probe by count only)
   */
  public record Options(double emaWeight, int reprobeEvery, double reprobeLimit, double peerBackoffMs,
      double reprobeShare) {
    public Options {
      if (!(emaWeight > 0 && emaWeight <= 1) || reprobeEvery < 0 || !(reprobeLimit >= 1) || !(peerBackoffMs >= 0)
          || !(reprobeShare >= 0 && reprobeShare <= 1)) {
        throw EdgewiseException.invalidArgument("DecentralisedPlacement.Options: EMA weight in (0, 1], re-probe "
            + "interval >= 0, re-probe limit >= 1, back-off >= 0 ms and re-probe share in [0, 1], got " + emaWeight
            + ", " + reprobeEvery + ", " + reprobeLimit + ", " + peerBackoffMs + ", " + reprobeShare);
      }
    }

    /** Re-probes by count only. */
    public Options(double emaWeight, int reprobeEvery, double reprobeLimit, double peerBackoffMs) {
      this(emaWeight, reprobeEvery, reprobeLimit, peerBackoffMs, 0);
    }

    public static Options defaults() {
      return new Options(0.3, 12, 2.0, 5_000, 0.05);
    }
  }

  /** What is known of one stage. */
  private static final class StageEstimate {
    final LatencyStats localPerElement;
    final LatencyStats peerPerElement;
    final LatencyStats outPerInByte;
    long calls;
    double sinceReprobeMs;  // predicted time on the chosen side since the last re-probe

    StageEstimate(double w) {
      localPerElement = new LatencyStats(w);
      peerPerElement = new LatencyStats(w);
      outPerInByte = new LatencyStats(w);
    }
  }

  private final Options options;
  private final Map<String, StageEstimate> stages = new HashMap<>();
  private final LatencyStats rttMs;
  private final LatencyStats bytesPerMs;
  private final LongSupplier clock;
  private volatile double peerWaitMs;
  private volatile long peerWaitAtNanos;
  private volatile long peerDownUntilNanos;
  private volatile Consumer<String> decisions;

  public DecentralisedPlacement(Options options) {
    this(options, System::nanoTime);
  }

  /** @param clock nanoseconds, as System.nanoTime (tests: a fake clock) */
  DecentralisedPlacement(Options options, LongSupplier clock) {
    this.options = options;
    this.clock = clock;
    this.rttMs = new LatencyStats(options.emaWeight());
    this.bytesPerMs = new LatencyStats(options.emaWeight());
  }

  @Override
  public String name() {
    return "decentralised";
  }

  /**
   * Receives one line per decision made from estimates (both predictions and their parts) and one per measured run
   * (benchmarks, logs).
   */
  public void onDecision(Consumer<String> sink) {
    this.decisions = sink;
  }

  @Override
  public Placement place(StageCall call) {
    StageEstimate e = stages.computeIfAbsent(call.stage(), s -> new StageEstimate(options.emaWeight()));
    e.calls++;
    if (System.nanoTime() < peerDownUntilNanos) {
      return Placement.DEVICE;
    }
    if (e.localPerElement.count() == 0) {
      return Placement.DEVICE;
    }
    if (e.peerPerElement.count() == 0) {
      return Placement.PEER;
    }
    double device = predictDevice(call);
    double peer = predictPeer(call);
    Placement best = peer < device ? Placement.PEER : Placement.DEVICE;
    double low = Math.min(device, peer);
    double high = Math.max(device, peer);
    e.sinceReprobeMs += low;
    boolean byCount = options.reprobeEvery() > 0 && e.calls % options.reprobeEvery() == 0;
    boolean byShare = options.reprobeShare() > 0 && high - low <= options.reprobeShare() * e.sinceReprobeMs;
    boolean probe = high <= options.reprobeLimit() * low && (byCount || byShare);
    if (probe) {
      e.sinceReprobeMs = 0;
    }
    Placement chosen = probe ? (best == Placement.PEER ? Placement.DEVICE : Placement.PEER) : best;
    Consumer<String> sink = decisions;
    if (sink != null) {
      sink.accept(String.format("%s (%d elements): device %.0f ms, peer %.0f ms (round trip %.0f, wait %.0f) -> %s%s",
          call.stage(), call.inputElements(), device, peer, roundTripMs(), peerWaitMs(), chosen,
          probe ? " (re-probe)" : ""));
    }
    return chosen;
  }

  /** Predicted milliseconds of the call on the device (NaN before the stage ran there). */
  public double predictDevice(StageCall call) {
    StageEstimate e = stages.get(call.stage());
    return e == null ? Double.NaN : e.localPerElement.ema() * call.inputElements();
  }

  /** Predicted milliseconds of the call on the peer, link and wait included (NaN before the stage ran there). */
  public double predictPeer(StageCall call) {
    StageEstimate e = stages.get(call.stage());
    if (e == null || e.peerPerElement.count() == 0) {
      return Double.NaN;
    }
    double bytes = call.inputWireBytes() * (1 + e.outPerInByte.ema());
    double rtt = roundTripMs();
    double transfer = bytesPerMs.count() == 0 ? 0 : bytes / bytesPerMs.ema();
    return rtt + transfer + e.peerPerElement.ema() * call.inputElements() + peerWaitMs();
  }

  /**
   * The wait a request sent now is expected to see at the peer: the last report's, less the time since it was made
   * (the peer has worked that long on what was ahead); never below 0.
   */
  public double peerWaitMs() {
    double age = (clock.getAsLong() - peerWaitAtNanos) / 1e6;
    return Math.max(0, peerWaitMs - Math.max(0, age));
  }

  @Override
  public void observe(StageOutcome o) {
    StageEstimate e = stages.computeIfAbsent(o.call().stage(), s -> new StageEstimate(options.emaWeight()));
    long elements = Math.max(1, o.call().inputElements());
    Consumer<String> sink = decisions;
    if (sink != null) {
      sink.accept(String.format("%s (%d elements): measured %.0f ms on the %s%s", o.call().stage(),
          o.call().inputElements(), o.wallMs(), o.placement() == Placement.DEVICE ? "device" : "peer",
          o.placement() == Placement.DEVICE ? "" : String.format(" (peer queue %.0f, compute %.0f, link %.0f)",
              o.peerQueueMs(), o.peerComputeMs(), o.transferMs())));
    }
    if (o.placement() == Placement.DEVICE) {
      e.localPerElement.add(o.wallMs() / elements);
      return;
    }
    e.peerPerElement.add(o.peerComputeMs() / elements);
    if (o.bytesSent() > 0) {
      e.outPerInByte.add((double) o.bytesReceived() / o.bytesSent());
    }
    // the transfer is the round trip less the peer's own time; what the round trip does not explain is bandwidth
    double rtt = roundTripMs();
    double onTheWire = Math.max(o.transferMs() - rtt, 0.05 * o.transferMs());
    if (onTheWire > 0) {
      bytesPerMs.add((o.bytesSent() + o.bytesReceived()) / onTheWire);
    }
  }

  /** The link's round trip as measured so far (0 before the first ping). */
  public double roundTripMs() {
    synchronized (rttMs) {
      return rttMs.count() == 0 ? 0 : rttMs.ema();
    }
  }

  /** A measured round trip of an empty message (a ping). */
  public void observeRoundTrip(double ms) {
    synchronized (rttMs) {
      rttMs.add(ms);
    }
  }

  /**
   * The peer's load as just reported: the wait a request sent now is expected to see before it runs (other clients'
   * work only: the caller leaves out its own requests in flight, which are not ahead of its next one).
   */
  public void observePeerWait(double ms) {
    peerWaitAtNanos = clock.getAsLong();
    peerWaitMs = Math.max(0, ms);
  }

  @Override
  public void peerFailed(StageCall call, RuntimeException cause) {
    peerDownUntilNanos = System.nanoTime() + (long) (options.peerBackoffMs() * 1e6);
  }
}
