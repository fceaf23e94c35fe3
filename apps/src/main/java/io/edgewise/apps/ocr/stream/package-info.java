/**
 * Camera-like streams of rendered pages with ground truth per frame (a hand-held camera or a kiosk: bursts of frames
 * of one page under small shifts, scale and rotation jitter, blur, brightness and noise, with revisits of earlier
 * pages), and the per-frame character error rate they are scored by.
 */
package io.edgewise.apps.ocr.stream;
