package io.edgewise.serve.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

/** The rule's predictions and choices against hand-computed values. */
class DecentralisedPlacementTest {
  private static final DecentralisedPlacement.Options NO_REPROBE = new DecentralisedPlacement.Options(1.0, 0, 2, 1_000);

  /**
   * A rule that never re-probes, has pinged the peer once ({@code rttMs}) and has seen {@code call} take
   * {@code deviceMs} on the device; nothing of the peer's speed yet. Its clock stands still, so a reported peer
   * wait does not drain.
   */
  private static DecentralisedPlacement measured(StageCall call, double rttMs, double deviceMs) {
    DecentralisedPlacement rule = new DecentralisedPlacement(NO_REPROBE, () -> 0);
    rule.observeRoundTrip(rttMs);
    rule.observe(new StageOutcome(call, Placement.DEVICE, deviceMs, 0, 0, 0, 0));
    return rule;
  }

  @Test
  void triesTheDeviceThenThePeerBeforeItHasEstimates() {
    DecentralisedPlacement rule = new DecentralisedPlacement(NO_REPROBE);
    StageCall call = new StageCall("DETECTOR", 1000, 2000);
    assertEquals(Placement.DEVICE, rule.place(call));
    rule.observe(new StageOutcome(call, Placement.DEVICE, 100, 0, 0, 0, 0));
    assertEquals(Placement.PEER, rule.place(call));
  }

  @Test
  void predictsEachSideFromItsMeasurementsAndPicksTheFaster() {
    StageCall call = new StageCall("RECOGNIZER", 1000, 2000);
    // device: 100 ms for 1000 elements -> 0.1 ms per element
    DecentralisedPlacement rule = measured(call, 10, 100);
    // peer: round trip 60 ms of which 5 queued and 20 computing: 35 ms of transfer, 10 of them the round trip,
    // so 25 ms moved 2000 + 500 bytes (100 bytes/ms); compute 0.02 ms per element; 0.25 output bytes per input byte
    rule.observe(new StageOutcome(call, Placement.PEER, 60, 5, 20, 2000, 500));
    assertEquals(100, rule.predictDevice(call), 1e-9);
    // 10 + (2000 * 1.25) / 100 + 0.02 * 1000 + 0 wait = 55
    assertEquals(55, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.PEER, rule.place(call));
    // a busy peer: 50 ms of expected wait makes it 105 > 100
    rule.observePeerWait(50);
    assertEquals(105, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.DEVICE, rule.place(call));
    // a call twice the size on both sides: device 200, peer 10 + 50 + 40 + 50 = 150
    StageCall big = new StageCall("RECOGNIZER", 2000, 4000);
    assertEquals(150, rule.predictPeer(big), 1e-9);
    assertEquals(Placement.PEER, rule.place(big));
  }

  @Test
  void aReportedPeerWaitDrainsWithTheTimeSinceTheReport() {
    long[] now = {1_000_000_000L};
    DecentralisedPlacement rule = new DecentralisedPlacement(NO_REPROBE, () -> now[0]);
    StageCall call = new StageCall("CLASSIFIER", 1000, 2000);
    rule.observeRoundTrip(10);
    rule.observe(new StageOutcome(call, Placement.DEVICE, 100, 0, 0, 0, 0));
    // as above: 10 ms round trip + 25 ms on the wire + 20 ms compute = 55 ms without a wait
    rule.observe(new StageOutcome(call, Placement.PEER, 60, 5, 20, 2000, 500));
    rule.observePeerWait(80);
    assertEquals(80, rule.peerWaitMs(), 1e-9);
    assertEquals(135, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.DEVICE, rule.place(call));
    // 30 ms later the peer has worked 30 ms of it off: 50 ms left, 105 > 100 still
    now[0] += 30_000_000L;
    assertEquals(50, rule.peerWaitMs(), 1e-9);
    assertEquals(105, rule.predictPeer(call), 1e-9);
    // 50 ms after the report: 30 left, 85 < 100: the peer
    now[0] += 20_000_000L;
    assertEquals(85, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.PEER, rule.place(call));
    // a report older than its wait: nothing left, never below 0
    now[0] += 500_000_000L;
    assertEquals(0, rule.peerWaitMs(), 1e-9);
    assertEquals(55, rule.predictPeer(call), 1e-9);
  }

  @Test
  void theMeasuredSizeOfWhatComesBackDecidesWhetherARemoteStagePays() {
    StageCall call = new StageCall("RECOGNIZER", 250_000, 250_000);
    DecentralisedPlacement rule = measured(call, 50, 600);
    // the peer sends back the per-step scores of every character, 10 MB: 50 ms round trip + 100 ms compute + the
    // remaining 4100 ms moving 10,250,000 bytes (2500 bytes/ms, 20 Mbit/s)
    rule.observe(new StageOutcome(call, Placement.PEER, 4250, 0, 100, 250_000, 10_000_000));
    assertEquals(4250, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.DEVICE, rule.place(call));
    // the same stage answered with its decoded best path, 5 KB, over the same link: 50 + 100 + 255,000 / 2500
    rule.observe(new StageOutcome(call, Placement.PEER, 252, 0, 100, 250_000, 5_000));
    assertEquals(252, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.PEER, rule.place(call));
  }

  @Test
  void theDetectorsBoxesInsteadOfItsMapAreWhatTheRuleCountsComingBack() {
    // a 640x480 page: 921,600 input elements, sent int8 (one byte each and a 4-byte scale)
    StageCall call = new StageCall("DETECTOR", 921_600, 921_604);
    DecentralisedPlacement rule = measured(call, 50, 1400);
    // its map back in fp16, 307,200 x 2 bytes, over 1250 bytes/ms (10 Mbit/s): 50 + 200 compute + 1,536,004 / 1250
    rule.observe(new StageOutcome(call, Placement.PEER, 50 + 200 + 1_536_004 / 1250.0, 0, 200, 921_604, 614_400));
    assertEquals(1478.8032, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.DEVICE, rule.place(call));
    // the same run answered with 20 boxes (9 float64 each, 1,440 bytes): 50 + 200 + 923,044 / 1250 = 988.4352
    rule.observe(new StageOutcome(call, Placement.PEER, 50 + 200 + 923_044 / 1250.0, 0, 200, 921_604, 1_440));
    assertEquals(988.4352, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.PEER, rule.place(call));
  }

  @Test
  void aFailedPeerKeepsEveryStageOnTheDeviceForTheBackOff() {
    DecentralisedPlacement rule = new DecentralisedPlacement(new DecentralisedPlacement.Options(1.0, 0, 2, 60_000));
    StageCall call = new StageCall("DETECTOR", 1000, 2000);
    rule.observe(new StageOutcome(call, Placement.DEVICE, 1000, 0, 0, 0, 0));
    rule.observe(new StageOutcome(call, Placement.PEER, 20, 0, 10, 2000, 100));
    assertEquals(Placement.PEER, rule.place(call));
    rule.peerFailed(call, new RuntimeException("connection refused"));
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.DEVICE, rule.place(new StageCall("RECOGNIZER", 1, 1)));
  }

  @Test
  void reprobesTheOtherSideOnlyWhenItIsNotHopeless() {
    DecentralisedPlacement rule = new DecentralisedPlacement(new DecentralisedPlacement.Options(1.0, 3, 2, 0));
    StageCall call = new StageCall("CLASSIFIER", 100, 400);
    rule.observe(new StageOutcome(call, Placement.DEVICE, 10, 0, 0, 0, 0));
    rule.observe(new StageOutcome(call, Placement.PEER, 15, 0, 5, 400, 8));
    // device 10 ms; peer 15 ms (no ping yet: all of the 10 ms transfer is bandwidth) -> device, every third call peer
    assertEquals(10, rule.predictDevice(call), 1e-9);
    assertEquals(15, rule.predictPeer(call), 1e-9);
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.PEER, rule.place(call));
    // the peer three times slower than the device (beyond the limit of 2): no probe
    rule.observe(new StageOutcome(call, Placement.PEER, 35, 0, 25, 400, 8));
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.DEVICE, rule.place(call));
  }

  @Test
  void aNearTieIsMeasuredAgainSoonAClearLoserRarelyAHopelessOneNever() {
    // EMA weight 1 (the last measurement is the estimate), no re-probe by count, limit 2x, share 0.1
    DecentralisedPlacement rule = new DecentralisedPlacement(new DecentralisedPlacement.Options(1.0, 0, 2, 0, 0.1),
        () -> 0);
    StageCall call = new StageCall("DETECTOR", 1000, 0);  // nothing crosses: the peer's time is its compute
    rule.observe(new StageOutcome(call, Placement.DEVICE, 588, 0, 0, 0, 0));
    rule.observe(new StageOutcome(call, Placement.PEER, 500, 0, 500, 0, 0));
    // device 588, peer 500: the re-probe costs 88; after one call 0.1 x 500 = 50 < 88, after two 0.1 x 1000 = 100
    assertEquals(Placement.PEER, rule.place(call));
    assertEquals(Placement.DEVICE, rule.place(call));
    // the device measured again, faster now: 400 against 500, a gap of 100 paid after 0.1 x (400 + 400 + 400)
    rule.observe(new StageOutcome(call, Placement.DEVICE, 400, 0, 0, 0, 0));
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.DEVICE, rule.place(call));
    assertEquals(Placement.PEER, rule.place(call));
    // a side 10x slower is beyond the 2x limit: never tried again, however long the stage runs
    StageCall rec = new StageCall("RECOGNIZER", 1000, 0);
    rule.observe(new StageOutcome(rec, Placement.DEVICE, 1000, 0, 0, 0, 0));
    rule.observe(new StageOutcome(rec, Placement.PEER, 100, 0, 100, 0, 0));
    for (int i = 0; i < 1000; i++) {
      assertEquals(Placement.PEER, rule.place(rec));
    }
    // share 0 (the four-argument options): by count only, here never
    DecentralisedPlacement byCount = new DecentralisedPlacement(NO_REPROBE, () -> 0);
    byCount.observe(new StageOutcome(call, Placement.DEVICE, 501, 0, 0, 0, 0));
    byCount.observe(new StageOutcome(call, Placement.PEER, 500, 0, 500, 0, 0));
    for (int i = 0; i < 100; i++) {
      assertEquals(Placement.PEER, byCount.place(call));
    }
  }

  @Test
  void badOptionsAreOneErrorNamingThem() {
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> new DecentralisedPlacement.Options(0, 1, 2, 0));
    assertEquals(1, e.getMessage().lines().count());
    EdgewiseException share = assertThrows(EdgewiseException.class,
        () -> new DecentralisedPlacement.Options(0.3, 12, 2, 0, 1.5));
    assertTrue(share.getMessage().contains("re-probe share"), share.getMessage());
  }
}
