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
 */
public record ReusedRead(OcrResult result, String frame, int lineHits, int lineLookups, double lookupMs) {}
