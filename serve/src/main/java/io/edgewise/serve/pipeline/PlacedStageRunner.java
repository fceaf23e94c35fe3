package io.edgewise.serve.pipeline;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.apps.ocr.OcrStage;
import io.edgewise.apps.ocr.StageRunner;
import io.edgewise.runtime.Session;
import io.edgewise.serve.peer.OutputReduction;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerMessage;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.serve.peer.WireTensors;
import io.edgewise.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each stage of an OCR job where its {@link StagePolicy} says: on this process's session, or on a peer holding
 * the same model file (a whole-model PARTIAL_INFER: the stage's inputs cross, its outputs come back; the recogniser's
 * reduced on the peer to the greedy best path the device decodes its text from, the detector's to the page's boxes,
 * unless told not to). A peer run that
 * fails (peer gone, overloaded, past the timeout) is told to the policy and run here instead, so a job always gets
 * its answer. Every run's measured outcome goes to the policy and to {@link #takeOutcomes()}.
 *
 * <p>With a {@link DecentralisedPlacement} it also keeps that policy's view of the link and the peer fresh: a
 * background thread pings the peer and asks its load every {@code probeInterval} (small messages, off the jobs'
 * path). One job at a time: the pipeline's stages call it in turn.
 */
public final class PlacedStageRunner implements StageRunner, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlacedStageRunner.class);

  private final PeerClient peer;
  private final Map<OcrStage, String> modelHashes;
  private final StagePolicy policy;
  private final Options options;
  private final List<StageOutcome> outcomes = new ArrayList<>();
  private final ScheduledExecutorService probes;

  /**
   * @param send how stage inputs cross to the peer (INT8 suits images: a normalised 8-bit image loses under half a
   *     grey level in symmetric int8)
   * @param receive how stage outputs come back
   * @param timeout the most a peer run may take before it is given up and run here
   * @param probeInterval how often a decentralised policy's link and load estimates are refreshed (null: never)
   * @param deviceSlowdown for experiments only: each model run here is stretched to this many times its measured
   *     time (a weaker device than this machine; 1: as measured). Results that use it are modeled, not measured.
   * @param decodeOnPeer the recogniser on the peer answers with the greedy best path of its scores
   *     ({@link OutputReduction#CTC_BEST_PATH}, two numbers per step, always exact: int32 classes, fp32
   *     probabilities) instead of the scores of all 6,625 characters at every step; the device decodes the text from
   *     it with its dictionary, the same text as from the scores. false: the scores cross in {@code receive}.
   * @param boxesOnPeer the detector on the peer answers with the page's boxes ({@link OutputReduction#DB_BOXES}: the
   *     pipeline's own DB post-processing, run on the peer with the pipeline's thresholds and page size; nine
   *     float64 numbers per box, exact) instead of its probability map (one number per pixel of the detector's
   *     input); the device crops from them as from its own. false: the map crosses in {@code receive}.
   */
  public record Options(TensorEncoding send, TensorEncoding receive, Duration timeout, Duration probeInterval,
      double deviceSlowdown, boolean decodeOnPeer, boolean boxesOnPeer) {
    public Options {
      if (send == null || receive == null || timeout == null || !(deviceSlowdown >= 1)) {
        throw EdgewiseException.invalidArgument("PlacedStageRunner.Options: encodings and timeout are required and "
            + "the device slowdown must be >= 1, got " + deviceSlowdown);
      }
    }

    /** Options whose recogniser runs on the peer come back decoded (to the best path). */
    public Options(TensorEncoding send, TensorEncoding receive, Duration timeout, Duration probeInterval,
        double deviceSlowdown) {
      this(send, receive, timeout, probeInterval, deviceSlowdown, true, true);
    }

    /**
     * FP32 both ways (exact), 60 s timeout, no probing, no slowdown, the recogniser decoded and the detector's boxes
     * found on the peer.
     */
    public static Options exact() {
      return new Options(TensorEncoding.FP32, TensorEncoding.FP32, Duration.ofSeconds(60), null, 1, true, true);
    }

    public Options withProbeInterval(Duration d) {
      return new Options(send, receive, timeout, d, deviceSlowdown, decodeOnPeer, boxesOnPeer);
    }

    public Options withDecodeOnPeer(boolean on) {
      return new Options(send, receive, timeout, probeInterval, deviceSlowdown, on, boxesOnPeer);
    }

    public Options withBoxesOnPeer(boolean on) {
      return new Options(send, receive, timeout, probeInterval, deviceSlowdown, decodeOnPeer, on);
    }
  }

  /**
   * @param modelHashes the sha256 of each stage's model file, as the peer knows them
   *     ({@link io.edgewise.apps.ocr.OcrPipeline#modelHashes()}, in stage order)
   */
  public PlacedStageRunner(PeerClient peer, Map<OcrStage, String> modelHashes, StagePolicy policy, Options options) {
    this.peer = peer;
    this.modelHashes = Map.copyOf(modelHashes);
    this.policy = policy;
    this.options = options;
    Duration probeInterval = options.probeInterval();
    if (policy instanceof DecentralisedPlacement d && probeInterval != null) {
      probes = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edgewise-pipeline-probe");
        t.setDaemon(true);
        return t;
      });
      probes.scheduleWithFixedDelay(() -> probe(d), 0, probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      probes = null;
    }
  }

  private void probe(DecentralisedPlacement d) {
    try {
      int before = peer.inferencesInFlight();
      long ping = peer.ping(0);
      if (before == 0 && peer.inferencesInFlight() == 0) {
        // a ping sent while this device's own request crossed shared the link with it (each direction carries one
        // message at a time): it measured that transfer, not the link's round trip, so it is not counted
        d.observeRoundTrip(ping / 1e6);
      }
      before = peer.inferencesInFlight();
      var load = peer.load();
      d.observePeerWait(othersWaitMs(load, Math.min(before, peer.inferencesInFlight())));
    } catch (RuntimeException e) {
      LOG.debug("pipeline probe of the peer failed", e);
    }
  }

  /**
   * The work ahead of this device's next request at the peer (ms): the reported queued and running requests less this
   * device's own (in flight for the whole query, so counted in the report, and never ahead of its next request: its
   * stages run one after another), times their mean compute time, over the peer's workers.
   *
   * @param own this client's inference requests in flight both when the query was sent and when it was answered
   */
  static double othersWaitMs(PeerMessage.LoadReport load, int own) {
    int others = Math.max(0, load.queued() + load.inFlight() - Math.max(0, own));
    return others * load.meanComputeMs() / Math.max(1, load.workers());
  }

  @Override
  public Map<String, Tensor> run(OcrStage stage, Session local, Map<String, Tensor> inputs) {
    return runPlaced(stage, local, inputs, null);
  }

  /** The detector, whose boxes a peer finds from its map when the options say so (else its map crosses). */
  @Override
  public Map<String, Tensor> runDetector(Session local, Map<String, Tensor> inputs, DbPostprocess.BoxRequest boxes) {
    return runPlaced(OcrStage.DETECTOR, local, inputs, options.boxesOnPeer() ? boxes : null);
  }

  /** {@code boxes}: the detector's post-processing options when the peer should run it (null: no box reduction). */
  private Map<String, Tensor> runPlaced(OcrStage stage, Session local, Map<String, Tensor> inputs,
      DbPostprocess.BoxRequest boxes) {
    long elements = 0;
    long wire = 0;
    for (Tensor t : inputs.values()) {
      elements += t.size();
      wire += WireTensors.dataBytes(t, options.send());
    }
    StageCall call = new StageCall(stage.name(), elements, wire);
    if (policy.place(call) == Placement.PEER) {
      String hash = modelHashes.get(stage);
      if (hash == null) {
        throw EdgewiseException.invalidArgument("PlacedStageRunner: no model hash for stage " + stage);
      }
      // the recogniser's scores are decoded on the peer up to what the device needs for the text: a few kilobytes
      // a page instead of megabytes; the best path crosses exact (fp32) whatever the receive encoding
      // and the detector's map is post-processed there into boxes: a few hundred bytes instead of a float a pixel;
      // both cross exact (the best path in fp32, the boxes in float64) whatever the receive encoding
      OutputReduction reduction = options.decodeOnPeer() && stage == OcrStage.RECOGNIZER
          ? OutputReduction.CTC_BEST_PATH
          : boxes != null && stage == OcrStage.DETECTOR ? OutputReduction.DB_BOXES : OutputReduction.NONE;
      TensorEncoding receive = reduction != OutputReduction.NONE ? TensorEncoding.FP32 : options.receive();
      long t0 = System.nanoTime();
      try {
        PeerClient.PartialResult r = peer.partialInfer(hash, inputs, options.send(), receive, List.of(),
            options.timeout(), reduction, reduction == OutputReduction.DB_BOXES ? boxes : null);
        long received = 0;
        for (Tensor t : r.outputs().values()) {
          received += WireTensors.dataBytes(t, receive);
        }
        record(new StageOutcome(call, Placement.PEER, (System.nanoTime() - t0) / 1e6, r.queueMicros() / 1e3,
            r.computeMicros() / 1e3, r.bytesSent(), received));
        return r.outputs();
      } catch (RuntimeException e) {
        LOG.warn("stage {} on the peer failed ({}); running it on the device", stage, e.getMessage());
        policy.peerFailed(call, e);
      }
    }
    long t0 = System.nanoTime();
    Map<String, Tensor> out = local.run(inputs);
    stretch(System.nanoTime() - t0);
    record(new StageOutcome(call, Placement.DEVICE, (System.nanoTime() - t0) / 1e6, 0, 0, 0, 0));
    return out;
  }

  /** Emulates a weaker device: waits (slowdown - 1) times the run's measured time. */
  private void stretch(long ranNanos) {
    long extra = (long) ((options.deviceSlowdown() - 1) * ranNanos);
    if (extra > 0) {
      try {
        Thread.sleep(extra / 1_000_000, (int) (extra % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void record(StageOutcome o) {
    policy.observe(o);
    synchronized (outcomes) {
      outcomes.add(o);
    }
  }

  /** The outcomes of the runs since the previous call (one job's, when called between jobs), oldest first. */
  public List<StageOutcome> takeOutcomes() {
    synchronized (outcomes) {
      List<StageOutcome> out = List.copyOf(outcomes);
      outcomes.clear();
      return out;
    }
  }

  @Override
  public void close() {
    if (probes != null) {
      probes.shutdownNow();
    }
  }
}
