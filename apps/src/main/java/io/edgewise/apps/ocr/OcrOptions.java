package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;

/**
 * How {@link OcrPipeline} runs: the device and intra-op threads of its three sessions, and PaddleOCR's thresholds
 * (defaults as PaddleOCR's: detector side limit 960, binarisation 0.3, box score 0.6, unclip ratio 1.5, orientation
 * flip above 0.9, 6 lines per batch, lines under 0.5 confidence dropped). One addition of ours: {@code cropMargin},
 * the fraction of a box's height added on every side before cropping it for the classifier and recogniser (0 is
 * PaddleOCR's crop). The boxes DB gives hug the ink, and on them the recogniser drops spaces between words: on six
 * rendered pages (seed 2, 1307 characters; ONNX Runtime) the recogniser's CER was 1.76% at margin 0, 0.54% at 0.05,
 * 0.31% at 0.1 and 0 at 0.15 and 0.2; the default is 0.15. The boxes reported are DB's, without the margin.
 */
public record OcrOptions(String device, int threads, int detLimitSide, DbPostprocess.Params db, boolean classify,
    double clsThreshold, int batchSize, double dropScore, double cropMargin) {
  public OcrOptions {
    if (device == null || device.isBlank()) {
      throw EdgewiseException.invalidArgument("no device given");
    }
    if (threads < 0) {
      throw EdgewiseException.invalidArgument("threads must be 0 (device default) or more, got " + threads);
    }
    if (batchSize < 1) {
      throw EdgewiseException.invalidArgument("batch size must be at least 1, got " + batchSize);
    }
    if (!(cropMargin >= 0 && cropMargin <= 1)) {
      throw EdgewiseException.invalidArgument("crop margin must be in [0, 1] (of the box height), got " + cropMargin);
    }
  }

  public static OcrOptions defaults() {
    return new OcrOptions("cpu", 0, 960, DbPostprocess.Params.defaults(), true, 0.9, 6, 0.5, 0.15);
  }

  public OcrOptions withDevice(String d) {
    return new OcrOptions(d, threads, detLimitSide, db, classify, clsThreshold, batchSize, dropScore, cropMargin);
  }

  public OcrOptions withThreads(int t) {
    return new OcrOptions(device, t, detLimitSide, db, classify, clsThreshold, batchSize, dropScore, cropMargin);
  }

  public OcrOptions withDetLimitSide(int side) {
    return new OcrOptions(device, threads, side, db, classify, clsThreshold, batchSize, dropScore, cropMargin);
  }

  public OcrOptions withClassify(boolean c) {
    return new OcrOptions(device, threads, detLimitSide, db, c, clsThreshold, batchSize, dropScore, cropMargin);
  }

  public OcrOptions withDropScore(double s) {
    return new OcrOptions(device, threads, detLimitSide, db, classify, clsThreshold, batchSize, s, cropMargin);
  }

  public OcrOptions withCropMargin(double m) {
    return new OcrOptions(device, threads, detLimitSide, db, classify, clsThreshold, batchSize, dropScore, m);
  }
}
