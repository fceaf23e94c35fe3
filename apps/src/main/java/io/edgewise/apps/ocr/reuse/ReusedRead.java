package io.edgewise.apps.ocr.reuse;

import io.edgewise.apps.ocr.OcrResult;

/**
 * One frame read with reuse: the result (timings in it are the frame's own, reuse lookups included) and how it was
 * obtained.
 *
 * @param frame {@code hit} (only the re-read of a line or two ran), {@code audit} (a hit computed anyway to check
 *     it), {@code rejected} (a hit whose re-read line disagreed: computed after all), {@code miss} or {@code off}
 *     (frame reuse not enabled)
 * @param lineHits lines whose recognition was reused
 * @param lineLookups lines looked up (0 when line reuse is off or the frame was a hit)
 * @param lookupMs time spent in reuse features and lookups, all tiers
 * @param frameTier the tier that answered a frame {@code hit}: "local" (this device's store) or a peer tier's name;
 *     "" for any other outcome
 * @param peerLineHits of the line hits, those a peer tier answered
 */
public record ReusedRead(OcrResult result, String frame, int lineHits, int lineLookups, double lookupMs,
    String frameTier, int peerLineHits) {
  /** Without peers: a hit is the local store's. */
  public ReusedRead(OcrResult result, String frame, int lineHits, int lineLookups, double lookupMs) {
    this(result, frame, lineHits, lineLookups, lookupMs, frame.equals("hit") ? "local" : "", 0);
  }
}
