package io.edgewise.serve.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.apps.ocr.CtcDecoder;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrStage;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.peer.DirectoryModelResolver;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerMessage;
import io.edgewise.serve.peer.PeerServer;
import io.edgewise.serve.peer.PeerServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OCR pipeline with its stages on a real peer over loopback: whatever the placement, the page reads the same
 * text as the pipeline alone (fp32 on the wire: exact), only placed stages' tensors cross, and a peer that goes away
 * costs no answer.
 */
class PlacedStageRunnerTest {
  private static final Path MODELS = Path.of("../shared/testdata/ocr");
  private static final String TOKEN = "pipeline-test-token-0123";

  /** A peer on loopback serving the detector, classifier and recogniser (cpu, 1 thread); a test may close it. */
  private PeerServer server;
  /** The pipeline in this process, on the same models and device. */
  private OcrPipeline ocr;
  private PeerClient client;
  /** The three stages' model hashes: what a placed stage asks the peer to run. */
  private Map<OcrStage, String> hashes;

  @BeforeEach
  void openThePeerAndThePipeline() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    Path[] files = OcrPipeline.checkModels(MODELS);
    server = new PeerServer(PeerServerConfig.of(0, new DirectoryModelResolver(List.of(files[0], files[1], files[2])),
        TOKEN).withSession(SessionOptions.defaults().withDevice("cpu").withThreads(1)));
    int port = server.start();
    ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu").withThreads(1));
    client = PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, TOKEN)
        .withRequestTimeout(Duration.ofSeconds(60)));
    hashes = new EnumMap<>(OcrStage.class);
    for (int i = 0; i < 3; i++) {
      hashes.put(OcrStage.values()[i], ocr.modelHashes().get(i));
    }
  }

  /**
   * Closes the client, the pipeline, then the server (a server a test closed already closes again as a no-op): the
   * resources close in reverse order, and those a setup that stopped early left null are skipped.
   */
  @AfterEach
  void closeAll() throws Exception {
    try (AutoCloseable s = server; AutoCloseable o = ocr; AutoCloseable c = client) {
      // nothing to do but close
    }
  }

  @Test
  void thePeerWaitLeavesOutThisDevicesOwnRequestsInFlight() {
    // 1 running + 2 queued, 40 ms each on average, 1 worker
    PeerMessage.LoadReport load = new PeerMessage.LoadReport(1, 2, 1, 1.0, 40, 0);
    assertEquals(120, PlacedStageRunner.othersWaitMs(load, 0), 1e-9);
    // the running one is this device's own (its previous stage): 2 x 40
    assertEquals(80, PlacedStageRunner.othersWaitMs(load, 1), 1e-9);
    // all three ours, or more in flight here than the peer counted (still crossing the link): nothing ahead
    assertEquals(0, PlacedStageRunner.othersWaitMs(load, 3), 1e-9);
    assertEquals(0, PlacedStageRunner.othersWaitMs(load, 5), 1e-9);
    // two workers share what is ahead: (3 - 1) x 40 / 2
    assertEquals(40, PlacedStageRunner.othersWaitMs(new PeerMessage.LoadReport(1, 2, 2, 1.0, 40, 0), 1), 1e-9);
  }

  @Test
  void everyPlacementReadsTheSameTextAndAPeerThatDiesCostsNoAnswer() {
    PageRenderer.Page page = new PageRenderer(PageRenderer.Options.defaults().withSize(384, 128)
        .withTextSizes(28, 32)).render(11, 0);
    List<String> alone = ocr.read(page.image()).lines().stream().map(OcrLine::text).toList();
    assertEquals(page.lines().stream().map(PageRenderer.TruthLine::text).toList(), alone);

    // the recogniser alone on the peer: only its runs cross
    try (PlacedStageRunner r = new PlacedStageRunner(client, hashes, FixedPlacement.of(Set.of("RECOGNIZER")),
        PlacedStageRunner.Options.exact())) {
      assertEquals(alone, ocr.placed(r).read(page.image()).lines().stream().map(OcrLine::text).toList());
      for (StageOutcome o : r.takeOutcomes()) {
        boolean rec = o.call().stage().equals("RECOGNIZER");
        assertEquals(rec ? Placement.PEER : Placement.DEVICE, o.placement(), o.toString());
        assertEquals(rec, o.bytesSent() > o.call().inputElements() * 4, o.toString());
        assertTrue(!rec || o.peerComputeMs() > 0 && o.bytesReceived() > 0, o.toString());
      }
    }
    // everything on the peer, then the peer goes away: the same text, the stages run on the device instead
    FixedPlacement all = FixedPlacement.peerOnly(Set.of("DETECTOR", "CLASSIFIER", "RECOGNIZER"));
    try (PlacedStageRunner r = new PlacedStageRunner(client, hashes, all, PlacedStageRunner.Options.exact())) {
      assertEquals(alone, ocr.placed(r).read(page.image()).lines().stream().map(OcrLine::text).toList());
      assertTrue(r.takeOutcomes().stream().allMatch(o -> o.placement() == Placement.PEER));
      server.close();
      assertEquals(alone, ocr.placed(r).read(page.image()).lines().stream().map(OcrLine::text).toList());
      assertTrue(r.takeOutcomes().stream().allMatch(o -> o.placement() == Placement.DEVICE));
    }
  }

  /**
   * The recogniser on the peer answers with its CTC best path: the page reads the same lines (text, boxes,
   * confidences, flips) as the pipeline alone in this process, and what comes back is two fp32-sized numbers per step
   * where the scores were one per character of the dictionary per step.
   */
  @Test
  void theRecogniserDecodedOnThePeerReadsTheSameLinesAndReturnsTwoNumbersPerStep() {
    int classes = CtcDecoder.load(OcrPipeline.checkModels(MODELS)[3]).classCount();
    PageRenderer renderer = new PageRenderer(PageRenderer.Options.defaults().withSize(480, 240).withTextSizes(22, 30));
    PlacedStageRunner.Options decoded = PlacedStageRunner.Options.exact();
    PlacedStageRunner.Options scores = decoded.withDecodeOnPeer(false);
    for (int seed = 3; seed < 5; seed++) {
      PageRenderer.Page page = renderer.render(seed, 0);
      List<OcrLine> alone = ocr.read(page.image()).lines();
      assertTrue(alone.size() >= 2, "a page of several lines: " + alone);
      long[] received = new long[2];
      for (PlacedStageRunner.Options o : List.of(decoded, scores)) {
        try (PlacedStageRunner r = new PlacedStageRunner(client, hashes, FixedPlacement.of(Set.of("RECOGNIZER")),
            o)) {
          assertEquals(alone, ocr.placed(r).read(page.image()).lines(), "page " + seed + ", " + o);
          for (StageOutcome out : r.takeOutcomes()) {
            if (out.call().stage().equals("RECOGNIZER")) {
              assertEquals(Placement.PEER, out.placement());
              received[o.decodeOnPeer() ? 0 : 1] += out.bytesReceived();
            }
          }
        }
      }
      // fp32 both ways: scores are 4 bytes x classes per step, the best path 4 + 4 bytes per step
      assertTrue(received[0] > 0, "page " + seed);
      assertEquals(received[1] * 2, received[0] * classes, "page " + seed);
    }
    // every stage on the peer: the same lines too (the detector's boxes cross exact in float64)
    PageRenderer.Page page = renderer.render(3, 0);
    try (PlacedStageRunner r = new PlacedStageRunner(client, hashes,
        FixedPlacement.peerOnly(Set.of("DETECTOR", "CLASSIFIER", "RECOGNIZER")), decoded)) {
      assertEquals(ocr.read(page.image()).lines(), ocr.placed(r).read(page.image()).lines());
      assertTrue(r.takeOutcomes().stream().allMatch(o -> o.placement() == Placement.PEER));
    }
  }

  /**
   * The detector on the peer answers with the page's boxes, post-processed there with the pipeline's thresholds and
   * page size: the same boxes (corners and scores, exactly) and lines as the pipeline alone, and what comes back is
   * nine float64 numbers per box where the map was one fp32 number per pixel of the detector's input.
   */
  @Test
  void theDetectorsBoxesFoundOnThePeerAreTheBoxesFoundHere() {
    PageRenderer renderer = new PageRenderer(PageRenderer.Options.defaults().withSize(480, 240).withTextSizes(22, 30));
    PlacedStageRunner.Options boxes = PlacedStageRunner.Options.exact();
    PlacedStageRunner.Options map = boxes.withBoxesOnPeer(false);
    for (int seed = 5; seed < 7; seed++) {
      PageRenderer.Page page = renderer.render(seed, 0);
      List<DbPostprocess.Detection> here = ocr.detect(page.image());
      assertTrue(here.size() >= 2, "a page of several lines: " + here);
      List<OcrLine> alone = ocr.read(page.image()).lines();
      for (PlacedStageRunner.Options o : List.of(boxes, map)) {
        try (PlacedStageRunner r = new PlacedStageRunner(client, hashes, FixedPlacement.of(Set.of("DETECTOR")),
            o)) {
          OcrPipeline placed = ocr.placed(r);
          assertEquals(here, placed.detect(page.image()), "page " + seed + ", " + o);
          List<StageOutcome> runs = r.takeOutcomes();
          assertEquals(1, runs.size());
          StageOutcome det = runs.get(0);
          assertEquals(Placement.PEER, det.placement());
          // boxes: 9 x 8 bytes each; the map: 4 bytes per pixel of the 3-channel input
          long expected = o.boxesOnPeer() ? 72L * here.size() : det.call().inputElements() / 3 * 4;
          assertEquals(expected, det.bytesReceived(), "page " + seed + ", " + o);
          assertEquals(alone, placed.read(page.image()).lines(), "page " + seed + ", " + o);
        }
      }
    }
  }
}
