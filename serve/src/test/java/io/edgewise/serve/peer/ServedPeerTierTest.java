package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.reuse.ReuseQuery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A served pipeline's peer tier against a peer that accepts connections and never answers (a hung node): the
 * look-up is a miss, not an exception, the failure is counted, and the next look-up is not sent at all (skipped, a
 * miss at no cost) until the skip period has passed. The peer that never answers is the oracle: nothing could have
 * been a hit.
 */
class ServedPeerTierTest {

  @Test
  void aPeerThatNeverAnswersIsAMissCountedAndThenSkipped() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
    try (ServerSocket hung = new ServerSocket(0)) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(hung.accept());  // holds the connection open and never writes: no CAPABILITIES, ever
          }
        } catch (java.io.IOException e) {
          // the socket closed: the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      // skipped for an hour after a failure: the second look-up falls in that period however slow the machine
      try (ServedPeerTier tier = new ServedPeerTier("127.0.0.1", hung.getLocalPort(), "", Duration.ofMillis(200),
          Duration.ofHours(1), meters)) {
        ReuseQuery q = new ReuseQuery("model", "tap", new float[] {1, 2, 3});
        assertTrue(tier.lookup(q).isEmpty(), "a peer that does not answer is a miss");
        String name = "peer:127.0.0.1:" + hung.getLocalPort();
        assertEquals(name, tier.name());
        assertEquals(1, meters.get("edgewise.reuse.peer.failures").tag("peer", name).counter().count(), 1e-9);
        assertTrue(tier.lookup(q).isEmpty());
        assertEquals(1, meters.get("edgewise.reuse.peer.failures").tag("peer", name).counter().count(), 1e-9,
            "within the skip period the peer is not asked again");
        assertEquals(1, meters.get("edgewise.reuse.peer.skipped").tag("peer", name).counter().count(), 1e-9);
      } finally {
        synchronized (accepted) {
          for (Socket s : accepted) {
            s.close();
          }
        }
      }
    }
  }
}
