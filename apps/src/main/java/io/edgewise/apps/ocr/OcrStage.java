package io.edgewise.apps.ocr;

/** The three model stages of the OCR pipeline, in the order a page goes through them. */
public enum OcrStage {
  /** The text detector (DB): one page image in, a probability map out. */
  DETECTOR,
  /** The orientation classifier: a batch of line images in, upright/upside-down scores out. */
  CLASSIFIER,
  /** The recogniser (CTC): a batch of line images in, per-step character scores out. */
  RECOGNIZER
}
